/** Which encoder and head each architecture is built from (one place, so the model files need not import each other). */
import type { EncoderConfig } from './config.js';
import { DebertaV2Encoder, DebertaV2Head } from './deberta-v2.js';
import { ElectraEncoder, ElectraHead } from './electra.js';
import { Encoder, type EncoderModule } from './encoder.js';
import { BertHead, DistilBertHead, RobertaHead, type ClassificationHead } from './heads.js';
import { ModernBertEncoder, ModernBertHead } from './modernbert.js';

export function makeEncoder(name: string, cfg: EncoderConfig): EncoderModule {
  switch (cfg.architecture) {
    case 'electra':
      return new ElectraEncoder(name, cfg);
    case 'modernbert':
      return new ModernBertEncoder(name, cfg);
    case 'deberta-v2':
      return new DebertaV2Encoder(name, cfg);
    default:
      return new Encoder(name, cfg);
  }
}

export function makeHead(name: string, cfg: EncoderConfig): ClassificationHead {
  switch (cfg.architecture) {
    case 'bert':
      return new BertHead(name, cfg);
    case 'roberta':
      return new RobertaHead(name, cfg);
    case 'distilbert':
      return new DistilBertHead(name, cfg);
    case 'electra':
      return new ElectraHead(name, cfg);
    case 'modernbert':
      return new ModernBertHead(name, cfg);
    case 'deberta-v2':
      return new DebertaV2Head(name, cfg);
  }
}
