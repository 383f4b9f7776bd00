/** Options of every Hub call, shared by the Node hub (hub.ts) and the page's (browser-hub.ts). */

export type RepoType = 'model' | 'dataset';

export interface HubOptions {
  /** Branch, tag, commit sha or e.g. `refs/pr/3`; default 'main'. */
  revision?: string;
  /**
   * Cache root; default HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub. In a page: the Cache Storage cache's
   * name, default 'tfjs-cross-encoder'.
   */
  cacheDir?: string;
  /** Default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Default HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the token file `huggingface-cli login` writes. '' sends none. */
  token?: string;
  /** No network at all; default from HF_HUB_OFFLINE (1/true/yes/on). */
  offline?: boolean;
  repoType?: RepoType;
  /** Byte progress bar on stderr; default true, and drawn only when stderr is a TTY. */
  showProgress?: boolean;
}
