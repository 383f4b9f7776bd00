/**
 * The TypeScript half of bench/st_interop.py: `save SRC OUT TEXTS EMB` loads SRC, saves it to OUT (our layout) and
 * writes our embeddings of TEXTS (a JSON list) to EMB; `encode SRC TEXTS EMB` only encodes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SentenceTransformer } from '../lib/sentence-transformer/model.js';

const [cmd, src, ...rest] = process.argv.slice(2);
const model = await SentenceTransformer.fromPretrained(src);
const [textsFile, embFile] = cmd === 'save' ? rest.slice(1) : rest;
if (cmd === 'save') await model.save(rest[0]);
const texts = JSON.parse(readFileSync(textsFile, 'utf-8')) as string[];
const emb = await model.encode(texts, { showProgress: false });
writeFileSync(embFile, JSON.stringify(emb.map((r) => Array.from(r))));
model.dispose();
