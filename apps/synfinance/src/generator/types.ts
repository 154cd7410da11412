// Core in-memory types shared by the shard generator, the injection patterns and the writers.
import type { TransactionType } from '../transactions/vocabulary.ts';

export type Difficulty = 'easy' | 'default' | 'hard';

export const FRAUD_TYPES = [
  'card_cloning',
  'account_takeover',
  'merchant_collusion',
  'velocity_abuse',
  'amount_manipulation',
  'refund_fraud',
  'stolen_card',
  'synthetic_identity',
  'first_party_bust_out',
  'friendly_fraud',
  'transaction_replay',
  'card_testing',
  'mule_account',
  'shipping_fraud',
  'loyalty_abuse',
] as const;
export type FraudType = (typeof FRAUD_TYPES)[number] | 'combined';

/**
 * The bank's label feed per difficulty: what `observed_label` and `label_available_at` are drawn from
 * (`is_fraud` stays the ground truth). Documented in docs/synfinance/generator.md.
 */
export interface LabelFeedSettings {
  /** probability that a fraud episode is never reported: all its rows keep observed_label 0 */
  missRate: number;
  /** probability that a legitimate, approved, card-not-present purchase is disputed (observed_label 1) */
  falseDisputeRate: number;
  /** report delay after the episode's last row (or the disputed purchase): lognormal, in days */
  delayMedianDays: number;
  delaySigma: number;
  /** chargeback window: longer draws are cut to this */
  delayMaxDays: number;
}

export const LABEL_FEED: Readonly<Record<Difficulty, Readonly<LabelFeedSettings>>> = {
  easy: { missRate: 0.02, falseDisputeRate: 0.0005, delayMedianDays: 3, delaySigma: 0.5, delayMaxDays: 120 },
  default: {
    missRate: 0.05,
    falseDisputeRate: 0.001,
    delayMedianDays: 10,
    delaySigma: 0.7,
    delayMaxDays: 120,
  },
  hard: { missRate: 0.12, falseDisputeRate: 0.003, delayMedianDays: 21, delaySigma: 0.9, delayMaxDays: 120 },
};

export const ANOMALY_TYPES = ['behavioural', 'geographic', 'temporal', 'amount'] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export interface GenParams {
  seed: number;
  startDay: number; // UTC day number of the first simulated day (IST calendar date)
  days: number;
  fraudRate: number;
  anomalyRate: number;
  difficulty: Difficulty;
  /** Relative weight per fraud type (by share of fraud rows), in FRAUD_TYPES order. */
  fraudMix: number[];
  /** Probability that a fraud episode is a chain of two patterns ("combined"); 0 = never. */
  chainProbability: number;
  shardRows: number;
}

export interface ShardSpec {
  shard: number;
  rows: number;
  rowOffset: number;
  customers: number;
  customerOffset: number;
}

export interface Customer {
  idx: number; // index within shard
  id: string;
  segment: number;
  age: number;
  income: number;
  occupation: string;
  hourProfile: number; // index into HOUR_PROFILE_NAMES
  savviness: number;
  homeCity: number;
  homeLat: number;
  homeLon: number;
  spend: number; // typical-spend multiplier applied to category medians
  monthlyTxn: number;
  catCum: Float64Array; // category preference, cumulative
  catWeights: number[];
  payWeights: number[]; // per payment mode, 0 when the customer has no such instrument
  hasDebit: boolean;
  hasCredit: boolean;
  hasBnpl: boolean;
  phoneOs: string;
  phoneId: string;
  appVersion: string;
  desktopOs: string | null;
  desktopId: string | null;
  loyalty: number;
  favourites: number[][]; // per category, merchant indices in the home city
  onlineFavourites: number[][]; // per category, online merchant indices
  payees: number[];
  nightOwl: boolean;
  synthetic: boolean;
  accountOpenDay: number;
  /** legit trips: [startSec, endSec, cityIdx] */
  trips: number[];
  /** legit phone change: seconds from start when a new phone is used (or -1) */
  phoneChangeAt: number;
  newPhoneId: string;
}

export interface FraudLabel {
  type: FraudType;
  severity: string;
  confidence: number;
  evidence: string;
}

export interface AnomalyLabel {
  type: AnomalyType;
  severity: string;
  score: number;
  evidence: string;
}

/** One transaction row, before IDs are assigned. */
export class Txn {
  t = 0;
  cust!: Customer;
  seq = 0; // creation order within shard, used as the deterministic tie-breaker
  merchantKey = 0;
  merchantId = '';
  merchantName = '';
  merchantIsChain = 0;
  merchantReputation: number | null = null;
  category = '';
  subcategory = '';
  txnType: TransactionType = 'purchase';
  amountPaise = 0;
  mode = 0;
  channel = 0;
  deviceType = '';
  deviceId: string | null = null;
  os: string | null = null;
  appVersion: string | null = null;
  status = 'approved';
  city = 0;
  lat = 0;
  lon = 0;
  distanceKm = 0;
  firstWithMerchant = 0;
  prevMerchantCount = 0;
  dailyCount = 0;
  dailyAmountPaise = 0;
  sinceLast = 0;
  isFraud = 0;
  fraud: FraudLabel | null = null;
  anomaly: AnomalyLabel | null = null;
  /** the label feed's view: 1 once reported (a fraud, or a false dispute of a legitimate purchase) */
  observed = 0;
  /** seconds on the row clock when the label becomes known; -1 when nothing is ever reported */
  labelAt = -1;
  episodeId: string | null = null;
  /** the other customer of a P2P transfer (the receiver: rows are on the sender's account) */
  counterparty: Customer | null = null;

  /** Back to the freshly constructed state (rows are pooled per shard generator). */
  reset(): void {
    this.t = 0;
    this.seq = 0;
    this.merchantKey = 0;
    this.merchantId = '';
    this.merchantName = '';
    this.merchantIsChain = 0;
    this.merchantReputation = null;
    this.category = '';
    this.subcategory = '';
    this.txnType = 'purchase';
    this.amountPaise = 0;
    this.mode = 0;
    this.channel = 0;
    this.deviceType = '';
    this.deviceId = null;
    this.os = null;
    this.appVersion = null;
    this.status = 'approved';
    this.city = 0;
    this.lat = 0;
    this.lon = 0;
    this.distanceKm = 0;
    this.firstWithMerchant = 0;
    this.prevMerchantCount = 0;
    this.dailyCount = 0;
    this.dailyAmountPaise = 0;
    this.sinceLast = 0;
    this.isFraud = 0;
    this.fraud = null;
    this.anomaly = null;
    this.observed = 0;
    this.labelAt = -1;
    this.episodeId = null;
    this.counterparty = null;
  }
}

export interface ShardStats {
  rows: number;
  fraudRows: number;
  fraudByType: Record<string, number>;
  /** key `${fraud_type}|${severity}` */
  fraudByTypeSeverity: Record<string, number>;
  anomalyByType: Record<string, number>;
}

/** The defaults of a run (the `default` profile's generation settings), with `over` applied. */
export function defaultGenParams(over: Partial<GenParams> = {}): GenParams {
  return {
    seed: 42,
    startDay: Date.UTC(2025, 0, 1) / 86_400_000,
    days: 365,
    fraudRate: 0.02,
    anomalyRate: 0.01,
    difficulty: 'default',
    fraudMix: FRAUD_TYPES.map(() => 1),
    chainProbability: 0,
    shardRows: 20_000,
    ...over,
  };
}
