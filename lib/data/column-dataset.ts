/**
 * sentence-transformers' column rule: a dataset's label column ("label", "labels", "score" or "scores") is the
 * label, and every other column is an input of the loss, in column order. Its data collators apply it to every
 * training batch (sentence_transformers/base/data_collator.py and cross_encoder/data_collator.py in 6.2, whose
 * DEFAULT_LABEL_COLUMNS are these four for bi- and cross-encoders alike; 4.0.1's bi-encoder collator knew only
 * "label" and "score"). Which loss a dataset suits follows from its shape alone; see column-views.ts.
 */

/** An input cell: one text, or a list of texts (the documents of a (query, [documents], [labels]) row). */
export type TextCell = string | readonly string[];
/** A label cell: one number, or one number per document (listwise), or one score per input after the first. */
export type LabelCell = number | readonly number[];

export type ColumnRow = Readonly<Record<string, TextCell | LabelCell>>;

export interface ColumnDataset {
  /**
   * Every column, in the file's order: parquet's schema order, a CSV/TSV header's order, and for JSONL the key
   * order of the first object (JavaScript lists integer-like keys such as "0" first whatever the file says, so
   * name such columns otherwise).
   */
  columns: string[];
  /** `columns` less the label column: what a loss receives, in this order. */
  inputColumns: string[];
  labelColumn?: string;
  /** Row r is the file's data row r + 1 (header excluded); across shards, numbering continues. */
  rows: ColumnRow[];
  /** A file path, or `org/name:split` for a hub dataset. */
  source: string;
}

/** sentence-transformers 6.2's DEFAULT_LABEL_COLUMNS, in its order of precedence. */
export const LABEL_COLUMNS: readonly string[] = ['label', 'labels', 'score', 'scores'];

export interface ReadColumnsOptions {
  /** Keep only these columns, in this order (as datasets' select_columns). Default: every column of the file. */
  columns?: readonly string[];
  /**
   * The label column. Default: the one of LABEL_COLUMNS present; two of them present is an error (the collator
   * would take the first and feed the second to the loss as text). null: no label, every column is an input.
   */
  labelColumn?: string | null;
}
