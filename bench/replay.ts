/**
 * The transform without its HTTP. `ReplayableHttp` is the axios-like client of a benchmarked destination: while
 * `recording`, it keeps each answer the simulator gives (the request's config and the raw answer, nothing computed
 * inside the measured transform); once `replaying`, it answers the same requests from memory, still through the
 * transport's own response parsing. Transforming a run's batches again through the same destination (warm caches,
 * the same lookups, the same answers) gives the transform's CPU without its HTTP round trips; the difference from the
 * measured run is what those round trips cost (axios, the loopback socket, reading the answer's bytes).
 */
import axios, { type AxiosRequestConfig, type AxiosResponse, type AxiosResponseTransformer } from 'axios';
import type { AxiosLike } from '../src/framework/http';

type Answer = Pick<AxiosResponse, 'status' | 'headers'> & { raw: unknown };

const keyOf = (config: AxiosRequestConfig): string => {
  const q = (config.params as { q?: unknown } | undefined)?.q;
  const body =
    config.data === undefined || typeof config.data === 'string' ? config.data : JSON.stringify(config.data);
  return `${config.method} ${config.url} ${q === undefined ? '' : String(q)} ${body ?? ''}`;
};

/** The transport's own response transform (its JSON parse), applied to a raw answer. */
function transformed(config: AxiosRequestConfig, answer: Answer): unknown {
  const steps = ([] as AxiosResponseTransformer[]).concat(config.transformResponse ?? []);
  return steps.reduce(
    (data, step) => step.call(config as never, data, answer.headers as never, answer.status),
    answer.raw,
  );
}

export class ReplayableHttp implements AxiosLike {
  /** Keep the answers of requests sent now (set around the measured transforms only). */
  recording = false;
  private replaying = false;
  private readonly recorded: { config: AxiosRequestConfig; answer: Answer }[] = [];
  private answers?: Map<string, Answer>;
  /** Requests a replay could not answer from memory (sent to the network instead). */
  misses = 0;

  async request(config: AxiosRequestConfig): Promise<Pick<AxiosResponse, 'status' | 'data' | 'headers'>> {
    if (this.replaying) {
      const answer = this.answers?.get(keyOf(config));
      if (answer)
        return { status: answer.status, headers: answer.headers, data: transformed(config, answer) };
      this.misses += 1;
    }
    const response = await axios.request({ ...config, transformResponse: [(data: unknown) => data] });
    const answer: Answer = { status: response.status, headers: response.headers, raw: response.data };
    if (this.recording) this.recorded.push({ config, answer });
    return { status: answer.status, headers: answer.headers, data: transformed(config, answer) };
  }

  /** From now on, answer the recorded requests from memory. */
  replay(): void {
    this.answers = new Map(this.recorded.map(({ config, answer }) => [keyOf(config), answer]));
    this.recording = false;
    this.replaying = true;
  }
}
