// The model worker: the library's worker protocol, with both GPU backends registered (they are opt-in imports).
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { serveModelWorker } from 'tfjs-cross-encoder';

serveModelWorker();
