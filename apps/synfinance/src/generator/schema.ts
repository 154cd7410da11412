// The transaction schema: one list drives the CSV header, the JSONL keys, the Parquet schema and
// docs/synfinance/schema.md (a test checks the document against this list and real output).

// How a column is typed. CSV and JSONL write every type as text or number the same way they always
// have (0/1 for 'bool', the time text for 'timestamp'); the types matter for Parquet and for readers:
//   string    text                        Parquet STRING
//   category  text with few distinct values  Parquet STRING, dictionary-encoded (Arrow dictionary)
//   json      a JSON object as text        Parquet STRING
//   int       integer                      Parquet INT32
//   float     number                       Parquet DOUBLE
//   bool      0 or 1                       Parquet BOOLEAN
//   timestamp an instant, written as text  Parquet TIMESTAMP(MILLIS, isAdjustedToUTC)
//             in the column's `time` form: 'ist' `YYYY-MM-DD HH:MM:SS` (IST wall clock) or 'utc'
//             `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601 UTC)
export type ColType = 'string' | 'category' | 'json' | 'int' | 'float' | 'bool' | 'timestamp';

/** The text form of a timestamp column in CSV and JSONL (and what our Parquet reader gives back). */
export type TimeText = 'ist' | 'utc';

export interface Column {
  name: string;
  type: ColType;
  nullable: boolean;
  /** timestamp columns only: their text form, declared so that no writer or reader has to guess it */
  time?: TimeText;
}

const c = (name: string, type: ColType, nullable = false): Column => ({ name, type, nullable });
const ts = (name: string, time: TimeText, nullable = false): Column => ({
  name,
  type: 'timestamp',
  nullable,
  time,
});

export const TXN_COLUMNS: readonly Column[] = [
  c('transaction_id', 'string'),
  c('customer_id', 'string'),
  c('merchant_id', 'string'),
  ts('timestamp', 'ist'),
  c('hour', 'int'),
  c('day_of_week', 'category'),
  c('is_weekend', 'bool'),
  c('transaction_type', 'category'),
  c('amount', 'float'),
  c('category', 'category'),
  c('subcategory', 'category'),
  c('merchant_name', 'string'),
  c('merchant_is_chain', 'bool'),
  c('merchant_reputation', 'float', true),
  c('payment_mode', 'category'),
  c('card_type', 'category', true),
  c('channel', 'category'),
  c('device_type', 'category'),
  c('device_id', 'string', true),
  c('os', 'category', true),
  c('app_version', 'category', true),
  c('transaction_status', 'category'),
  c('city', 'category'),
  c('state', 'category'),
  c('region', 'category'),
  c('city_tier', 'int'),
  c('latitude', 'float'),
  c('longitude', 'float'),
  c('distance_from_home_km', 'float'),
  c('home_city', 'category'),
  c('customer_segment', 'category'),
  c('customer_age', 'int'),
  c('income_bracket', 'category'),
  c('occupation', 'category'),
  c('digital_savviness', 'category'),
  c('is_festival_season', 'bool'),
  c('festival_name', 'category', true),
  c('is_salary_day', 'bool'),
  c('is_first_txn_with_merchant', 'bool'),
  c('is_repeat_merchant', 'bool'),
  c('customer_merchant_txn_count', 'int'),
  c('daily_txn_count', 'int'),
  c('daily_txn_amount', 'float'),
  c('time_since_last_txn_s', 'int'),
  c('is_fraud', 'bool'),
  c('fraud_type', 'category', true),
  c('fraud_severity', 'category', true),
  c('fraud_confidence', 'float', true),
  c('fraud_evidence', 'json', true),
  c('is_anomaly', 'bool'),
  c('anomaly_type', 'category', true),
  c('anomaly_severity', 'category', true),
  c('anomaly_score', 'float', true),
  c('anomaly_evidence', 'json', true),
  c('observed_label', 'bool'),
  ts('label_available_at', 'utc', true),
  c('episode_id', 'string', true),
  c('counterparty_id', 'string', true),
];

export const CUSTOMER_COLUMNS: readonly Column[] = [
  c('customer_id', 'string'),
  c('customer_segment', 'category'),
  c('customer_age', 'int'),
  c('income_bracket', 'category'),
  c('occupation', 'category'),
  c('digital_savviness', 'category'),
  c('home_city', 'category'),
  c('state', 'category'),
  c('region', 'category'),
  c('city_tier', 'int'),
  c('home_latitude', 'float'),
  c('home_longitude', 'float'),
  c('typical_spend_multiplier', 'float'),
  c('monthly_txn_target', 'float'),
  c('preferred_categories', 'string'),
  c('preferred_payment_mode', 'category'),
  c('has_debit_card', 'bool'),
  c('has_credit_card', 'bool'),
  c('has_bnpl', 'bool'),
  c('phone_os', 'category'),
  c('account_age_days', 'int'),
];

export const MERCHANT_COLUMNS: readonly Column[] = [
  c('merchant_id', 'string'),
  c('merchant_name', 'string'),
  c('category', 'category'),
  c('subcategory', 'category'),
  c('city', 'category'),
  c('state', 'category'),
  c('is_chain', 'bool'),
  c('is_online', 'bool'),
  c('reputation', 'float'),
  c('latitude', 'float'),
  c('longitude', 'float'),
];
