/** One labelled sentence pair, the unit every trainer and evaluator consumes. */
export interface PairExample {
  sentence1: string;
  sentence2: string;
  label: number;
}

/** Which source columns hold the two texts and the label. Defaults: sentence1, sentence2, and score (else label). */
export interface ColumnMapping {
  sentence1?: string;
  sentence2?: string;
  label?: string;
}

export interface ReadPairsOptions {
  columns?: ColumnMapping;
  /** The raw score is divided by this (e.g. 5 for 0–5 STS gold scores). Default 1. */
  scoreScale?: number;
  /** Inclusive range every label must lie in after scaling. Default [0, 1]; null disables the check. */
  labelRange?: [number, number] | null;
  /** Drop invalid rows instead of throwing; they are counted in `skipped`. Default false. */
  skipInvalid?: boolean;
  /** Stop after this many valid examples. */
  limit?: number;
}

export interface PairDataset {
  examples: PairExample[];
  /** Rows dropped because `skipInvalid` was set. Always 0 otherwise (invalid rows throw). */
  skipped: number;
  /** The first few reasons rows were skipped, each naming file, row and column. */
  skippedReasons: string[];
  /** Where the examples came from: a file path, or `org/name:split` for a hub dataset. */
  source: string;
}
