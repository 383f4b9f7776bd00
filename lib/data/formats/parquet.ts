import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataError } from '../../errors.js';
import type { RawRow, RawTable } from '../raw.js';

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Parquet via hyparquet, with hyparquet-compressors for the codecs HF/pyarrow files use (snappy by default,
 * zstd, gzip...). Dictionary-encoded pages are decoded by hyparquet itself. Only the mapped columns are read.
 */
export function parseParquet(file: string, bytes: Uint8Array): RawTable {
  // hyparquet slices an ArrayBuffer; copy out exactly this file's bytes (a Buffer may share a larger pool).
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  let columns: string[];
  try {
    metadata = parquetMetadata(buffer);
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (e) {
    throw new DataError(file, `not a readable parquet file (truncated or corrupt?): ${reason(e)}`);
  }
  const numRows = Number(metadata.num_rows);
  return {
    columns,
    textual: false,
    async readRows(wanted, maxRows): Promise<Iterable<RawRow>> {
      let objects: Record<string, unknown>[];
      try {
        objects = await parquetReadObjects({
          file: buffer,
          metadata,
          columns: [...new Set(wanted)],
          compressors,
          rowEnd: Math.min(numRows, maxRows),
          rowFormat: 'object',
        });
      } catch (e) {
        throw new DataError(file, `cannot decode parquet data (truncated or corrupt?): ${reason(e)}`);
      }
      return objects.map((values, i) => ({ row: i + 1, values }));
    },
  };
}
