// The transaction schema: one list drives the CSV header, the JSONL keys, the Parquet schema and
// docs/synfinance/schema.md (a test checks the document against this list and real output).

export type ColType = 'string' | 'int' | 'float' | 'json';

export interface Column {
  name: string;
  type: ColType;
  nullable: boolean;
}

const c = (name: string, type: ColType, nullable = false): Column => ({ name, type, nullable });

export const TXN_COLUMNS: readonly Column[] = [
  c('transaction_id', 'string'),
  c('customer_id', 'string'),
  c('merchant_id', 'string'),
  c('timestamp', 'string'),
  c('hour', 'int'),
  c('day_of_week', 'string'),
  c('is_weekend', 'int'),
  c('transaction_type', 'string'),
  c('amount', 'float'),
  c('category', 'string'),
  c('subcategory', 'string'),
  c('merchant_name', 'string'),
  c('merchant_is_chain', 'int'),
  c('merchant_reputation', 'float', true),
  c('payment_mode', 'string'),
  c('card_type', 'string', true),
  c('channel', 'string'),
  c('device_type', 'string'),
  c('device_id', 'string', true),
  c('os', 'string', true),
  c('app_version', 'string', true),
  c('transaction_status', 'string'),
  c('city', 'string'),
  c('state', 'string'),
  c('region', 'string'),
  c('city_tier', 'int'),
  c('latitude', 'float'),
  c('longitude', 'float'),
  c('distance_from_home_km', 'float'),
  c('home_city', 'string'),
  c('customer_segment', 'string'),
  c('customer_age', 'int'),
  c('income_bracket', 'string'),
  c('occupation', 'string'),
  c('digital_savviness', 'string'),
  c('is_festival_season', 'int'),
  c('festival_name', 'string', true),
  c('is_salary_day', 'int'),
  c('is_first_txn_with_merchant', 'int'),
  c('is_repeat_merchant', 'int'),
  c('customer_merchant_txn_count', 'int'),
  c('daily_txn_count', 'int'),
  c('daily_txn_amount', 'float'),
  c('time_since_last_txn_s', 'int'),
  c('is_fraud', 'int'),
  c('fraud_type', 'string', true),
  c('fraud_severity', 'string', true),
  c('fraud_confidence', 'float', true),
  c('fraud_evidence', 'json', true),
  c('is_anomaly', 'int'),
  c('anomaly_type', 'string', true),
  c('anomaly_severity', 'string', true),
  c('anomaly_score', 'float', true),
  c('anomaly_evidence', 'json', true),
];

export const CUSTOMER_COLUMNS: readonly Column[] = [
  c('customer_id', 'string'),
  c('customer_segment', 'string'),
  c('customer_age', 'int'),
  c('income_bracket', 'string'),
  c('occupation', 'string'),
  c('digital_savviness', 'string'),
  c('home_city', 'string'),
  c('state', 'string'),
  c('region', 'string'),
  c('city_tier', 'int'),
  c('home_latitude', 'float'),
  c('home_longitude', 'float'),
  c('typical_spend_multiplier', 'float'),
  c('monthly_txn_target', 'float'),
  c('preferred_categories', 'string'),
  c('preferred_payment_mode', 'string'),
  c('has_debit_card', 'int'),
  c('has_credit_card', 'int'),
  c('has_bnpl', 'int'),
  c('phone_os', 'string'),
  c('account_age_days', 'int'),
];

export const MERCHANT_COLUMNS: readonly Column[] = [
  c('merchant_id', 'string'),
  c('merchant_name', 'string'),
  c('category', 'string'),
  c('subcategory', 'string'),
  c('city', 'string'),
  c('state', 'string'),
  c('is_chain', 'int'),
  c('is_online', 'int'),
  c('reputation', 'float'),
  c('latitude', 'float'),
  c('longitude', 'float'),
];
