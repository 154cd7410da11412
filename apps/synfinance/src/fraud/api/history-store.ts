// Where the scoring service keeps its customers' feature histories: behind one interface, either in
// this process (the default: one process, tests) or in Redis, shared by every replica
// (redis-history.ts). Either way, computing a transaction's features from the history before it and
// appending it is one atomic step per customer, so no concurrent update is lost.
import { type FeatureExtractor, N_FEATURES } from '../features/features.ts';
import type { Txn } from '../features/transaction.ts';

export interface HistoryStep {
  /** The transaction's features, from its customer's history before it (a fresh array). */
  features: Float64Array;
  /** Whether the customer had a history. */
  hit: boolean;
}

export interface HistoryStoreInfo {
  kind: 'memory' | 'redis';
  /** Customers held (in-process only; Redis holds them outside this process). */
  customers: number | null;
  /** Most customers held (in-process LRU), or null when Redis's own limits bound it. */
  capacity: number | null;
}

export interface HistoryStore {
  /** Features of `t` from its customer's history, then `t` appended to it: atomic per customer. */
  step(t: Txn): Promise<HistoryStep>;
  info(): HistoryStoreInfo;
  /** Whether the store answers now (readiness). */
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

/** The store could not be reached or did not answer: score nothing rather than score without history. */
export class HistoryUnavailableError extends Error {
  override name = 'HistoryUnavailableError';
}

/** Histories in this process: a bounded LRU of customers (the features' own extractor). */
export class MemoryHistoryStore implements HistoryStore {
  constructor(readonly extractor: FeatureExtractor) {}

  async step(t: Txn): Promise<HistoryStep> {
    return this.extractor.process(t, new Float64Array(N_FEATURES));
  }

  info(): HistoryStoreInfo {
    return { kind: 'memory', customers: this.extractor.size, capacity: this.extractor.maxCustomers };
  }

  async reachable(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
