/** Metrics the emulator's brute-force search supports for float vectors. */
export const FLOAT_METRICS = ['L2', 'IP', 'COSINE'] as const;

/** A float-vector similarity metric. */
export type FloatMetric = (typeof FLOAT_METRICS)[number];

/** Narrows a metric name (case-insensitive) to a supported float metric. */
export function asFloatMetric(name: string): FloatMetric | undefined {
  const upper = name.toUpperCase();
  return FLOAT_METRICS.find((m) => m === upper);
}

/**
 * The score Milvus reports for a pair of vectors: squared Euclidean distance for L2 (smaller is
 * closer), inner product for IP and cosine similarity for COSINE (larger is closer).
 */
export function score(metric: FloatMetric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let l2 = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (metric === 'L2') {
      const d = x - y;
      l2 += d * d;
    } else {
      dot += x * y;
      normA += x * x;
      normB += y * y;
    }
  }
  if (metric === 'L2') {
    return l2;
  }
  if (metric === 'IP') {
    return dot;
  }
  const denominator = Math.sqrt(normA) * Math.sqrt(normB);
  return denominator === 0 ? 0 : dot / denominator;
}

/** One hit of a search. */
export interface Hit<T> {
  readonly item: T;
  readonly score: number;
}

/**
 * Exact top-k over `candidates` (brute force), best first, after skipping `offset` hits.
 */
export function topK<T>(
  metric: FloatMetric,
  query: Float32Array,
  candidates: readonly T[],
  vectorOf: (item: T) => Float32Array | undefined,
  k: number,
  offset = 0,
): Hit<T>[] {
  const hits: Hit<T>[] = [];
  for (const item of candidates) {
    const vector = vectorOf(item);
    if (vector !== undefined) {
      hits.push({ item, score: score(metric, query, vector) });
    }
  }
  hits.sort(metric === 'L2' ? (x, y) => x.score - y.score : (x, y) => y.score - x.score);
  return hits.slice(offset, offset + k);
}
