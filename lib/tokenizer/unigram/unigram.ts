/**
 * The Unigram (SentencePiece) model as HF's Rust tokenizers runs it (models/unigram/model.rs, `encode_optimized`):
 * the best-scoring segmentation of each pre-token by Viterbi over the vocab pieces, unknown characters scored
 * min_score − 10 and runs of them fused into one <unk>, then byte fallback (<0xNN> pieces) where the file asks.
 */
import { TokenizerError } from '../../errors.js';

const UNK_PENALTY = 10;

interface TrieNode {
  next: Map<number, TrieNode>;
  /** The vocab piece ending here, if any. */
  piece?: string;
}

export interface UnigramSpec {
  vocab: ReadonlyArray<readonly [string, number]>;
  unkId: number | null;
  byteFallback: boolean;
}

export class UnigramModel {
  private readonly scores: Float64Array;
  /** Piece → id; a piece listed twice maps to its last id, as Rust's HashMap insert does. */
  private readonly ids = new Map<string, number>();
  private readonly root: TrieNode = { next: new Map() };
  private readonly minScore: number;
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly spec: UnigramSpec, private readonly file: string) {
    const { vocab, unkId } = spec;
    if (unkId !== null) {
      if (vocab.length === 0) throw new TokenizerError(file, 'Unigram vocab is empty but needs at least <unk>');
      if (unkId >= vocab.length) throw new TokenizerError(file, `Unigram unk_id ${unkId} is outside the vocab (${vocab.length})`);
    }
    this.scores = new Float64Array(vocab.length);
    let min = Infinity;
    vocab.forEach(([piece, score], id) => {
      this.scores[id] = score;
      this.ids.set(piece, id);
      if (score < min) min = score;
      let node = this.root;
      for (const ch of piece) {
        const cp = ch.codePointAt(0)!;
        let child = node.next.get(cp);
        if (!child) node.next.set(cp, (child = { next: new Map() }));
        node = child;
      }
      if (piece !== '') node.piece = piece;
    });
    this.minScore = min;
  }

  get size(): number {
    return this.spec.vocab.length;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.spec.vocab[id]?.[0];
  }

  /** Ids of one pre-token. */
  encode(text: string): number[] {
    if (text === '') return [];
    let ids = this.cache.get(text);
    if (!ids) {
      ids = this.toIds(this.segment(text));
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(text, ids);
    }
    return ids;
  }

  /**
   * Viterbi over character positions. Candidates are visited as Rust visits them (start positions left to right,
   * pieces shortest first) and a later candidate replaces an earlier one only when strictly better, so ties resolve
   * the same way.
   */
  private segment(text: string): string[] {
    const chars = Array.from(text);
    const n = chars.length;
    const bestScore = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const pieceAt: (string | undefined)[] = new Array<string | undefined>(n + 1);
    const isUnk = new Uint8Array(n + 1);
    const unkScore = this.minScore - UNK_PENALTY;
    const unkId = this.spec.unkId;
    for (let s = 0; s < n; s++) {
      const base = bestScore[s]!;
      let hasSingle = false;
      let node: TrieNode | undefined = this.root;
      for (let e = s; e < n && node; e++) {
        node = node.next.get(chars[e]!.codePointAt(0)!);
        if (node?.piece === undefined) continue;
        const cand = this.scores[this.ids.get(node.piece)!]! + base;
        const end = e + 1;
        if (from[end] === -1 || cand > bestScore[end]!) {
          bestScore[end] = cand;
          from[end] = s;
          pieceAt[end] = node.piece;
          isUnk[end] = 0;
        }
        if (end === s + 1) hasSingle = true;
      }
      if (!hasSingle) {
        if (unkId === null) throw new TokenizerError(this.file, 'the text has a character the Unigram vocab lacks, and the model has no unk_id');
        const end = s + 1;
        const cand = unkScore + base;
        if (from[end] === -1 || cand > bestScore[end]!) {
          bestScore[end] = cand;
          from[end] = s;
          pieceAt[end] = undefined;
          isUnk[end] = 1;
        }
      }
    }
    // Backtrack; consecutive unknowns become one token (Rust's fuse_unk, always on).
    const out: string[] = [];
    let unkRun = '';
    for (let end = n; end > 0; ) {
      const s = from[end]!;
      const text = chars.slice(s, end).join('');
      if (isUnk[end] === 1 || (unkId !== null && this.ids.get(pieceAt[end]!) === unkId)) {
        unkRun = text + unkRun;
      } else {
        if (unkRun !== '') out.push(unkRun);
        unkRun = '';
        out.push(text);
      }
      end = s;
    }
    if (unkRun !== '') out.push(unkRun);
    return out.reverse();
  }

  /** Rust's Model::tokenize: look each piece up; unknown ones become <0xNN> bytes if possible, else unk_id. */
  private toIds(pieces: string[]): number[] {
    const out: number[] = [];
    for (const p of pieces) {
      const id = this.ids.get(p);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      if (this.spec.byteFallback) {
        const bytes = Array.from(new TextEncoder().encode(p), (b) => this.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
        if (bytes.every((b): b is number => b !== undefined)) {
          out.push(...bytes);
          continue;
        }
      }
      if (this.spec.unkId === null) throw new TokenizerError(this.file, 'an unknown piece and no unk_id in the Unigram model');
      out.push(this.spec.unkId);
    }
    return out;
  }
}
