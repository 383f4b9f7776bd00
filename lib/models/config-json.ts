/**
 * config.json written back with its float fields still floats. JSON.parse turns `2.0` into 2 and JSON.stringify
 * writes it as `2`, which Python reads as an int; transformers 5 checks config field types (ModernBertConfig's
 * initializer_cutoff_factor: float) and refuses such a file. So keys written as float literals in the source, and
 * keys HF declares as floats, are written with a decimal point.
 */

/** HF config keys that are floats (dropouts, epsilons, init ranges, rotary bases), whatever the source wrote. */
const FLOAT_KEY = /dropout|_prob$|(^|_)eps$|epsilon$|initializer_range$|initializer_cutoff_factor$|rope_theta$/;

const NUMBER_MEMBER = /"((?:[^"\\]|\\.)*)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/** Names of the keys (at any depth) whose value the JSON text writes as a float literal (with ".", "e" or "E"). */
export function floatLiteralKeys(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(NUMBER_MEMBER)) if (/[.eE]/.test(m[2]!)) out.add(JSON.parse(`"${m[1]!}"`) as string);
  return out;
}

const MARK = '\u0000float:';

/** JSON.stringify(config, null, 2) with integral numbers under float keys written as `N.0`. */
export function stringifyConfig(config: unknown, floatKeys: ReadonlySet<string> = new Set()): string {
  const text = JSON.stringify(
    config,
    (key, value: unknown) => (typeof value === 'number' && Number.isInteger(value) && key !== '' && (floatKeys.has(key) || FLOAT_KEY.test(key)) ? `${MARK}${value}` : value),
    2,
  );
  return text.replace(/"\\u0000float:(-?\d+)"/g, '$1.0');
}
