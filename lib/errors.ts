/**
 * Typed errors. Each names what was wrong and where (file, tensor, row), so a user can fix the input
 * without reading our source. `code` is stable for programmatic handling.
 */
export type ErrorCode =
  | 'SAFETENSORS'
  | 'CONFIG'
  | 'TOKENIZER'
  | 'WEIGHTS'
  | 'HUB'
  | 'DATA'
  | 'TRAINING'
  | 'BACKEND'
  | 'USAGE'
  | 'IO'
  | 'DISPOSED'
  | 'INTERRUPTED';

export class CrossEncoderError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A safetensors file is malformed. `file` and, where known, `tensor` say where. */
export class SafetensorsError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'SafetensorsError';
  constructor(
    readonly file: string,
    message: string,
    readonly tensor?: string,
  ) {
    super('SAFETENSORS', `${file}${tensor ? ` (tensor "${tensor}")` : ''}: ${message}`);
  }
}

/** config.json is missing, unparsable, or describes a model we do not support. */
export class ConfigError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('CONFIG', `${file}: ${message}`);
  }
}

/** Tokenizer files are missing or malformed. */
export class TokenizerError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'TokenizerError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('TOKENIZER', `${file}: ${message}`);
  }
}

/** Checkpoint tensors do not fit the model: missing, wrong shape, non-finite. */
export class WeightsError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'WeightsError';
  constructor(
    readonly file: string,
    message: string,
    readonly tensors: readonly string[] = [],
  ) {
    super('WEIGHTS', `${file}: ${message}`);
  }
}

/** A Hugging Face Hub request failed, or the cache cannot serve an offline request. */
export class HubError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'HubError';
  constructor(
    message: string,
    readonly repoId: string,
    readonly file?: string,
    readonly status?: number,
  ) {
    super('HUB', message);
  }
}

/** A dataset file or row is malformed. `row` is 1-based as a user counts data rows (header excluded). */
export class DataError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'DataError';
  constructor(
    readonly file: string,
    message: string,
    readonly row?: number,
  ) {
    super('DATA', `${file}${row !== undefined ? `, row ${row}` : ''}: ${message}`);
  }
}

export class TrainingError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'TrainingError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRAINING', message, options);
  }
}

export class BackendError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'BackendError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKEND', message, options);
  }
}

export class UsageError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * A file or folder could not be read or written: disk full, no permission, read-only file system, a file where a
 * folder should be. `file` is the path as the user knows it (never a temp name), `errno` the system's code.
 */
export class FileSystemError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'FileSystemError';
  constructor(
    readonly file: string,
    readonly action: 'read' | 'write' | 'create',
    readonly errno: string | undefined,
    readonly reason: string,
  ) {
    super('IO', `cannot ${action} ${file}: ${reason}`);
  }
}

/** The model was used after dispose(): its weights are freed. */
export class ModelDisposedError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'ModelDisposedError';
  constructor(what: string, model = 'CrossEncoder') {
    super('DISPOSED', `${what}: this ${model} was disposed (dispose() frees its weights); load the model again to use it`);
  }
}

/**
 * Training stopped on request (Ctrl-C) after finishing a step. `checkpoint` holds that step's state when one
 * could be written, so the run can continue with `resume`.
 */
export class TrainingInterruptedError extends CrossEncoderError {
  // A literal, so a minifier that renames classes keeps the name users see.
  override name = 'TrainingInterruptedError';
  constructor(
    readonly step: number,
    readonly totalSteps: number,
    readonly checkpoint: string | undefined,
  ) {
    super('INTERRUPTED', checkpoint ? `training interrupted after step ${step} of ${totalSteps}; saved ${checkpoint}` : `training interrupted before the first step; nothing to resume`);
  }
}
