// Request and response schemas of the scoring routes. The same objects validate requests, type the
// handlers and the scoring service, and make the OpenAPI document (titled schemas become components).
import { type Static, Type } from 'typebox';

const column = (description: string) => Type.Unknown({ description });

const EXAMPLE_TRANSACTION = {
  transaction_id: 'TXN-000000000042',
  customer_id: 'CUST-0001234',
  merchant_id: 'MER-000321',
  timestamp: '2025-03-14 19:42:07',
  amount: 2499,
  category: 'Electronics',
  transaction_type: 'Purchase',
  channel: 'Online',
  payment_mode: 'UPI',
  transaction_status: 'Approved',
  merchant_reputation: 0.82,
  latitude: 19.076,
  longitude: 72.8777,
  distance_from_home_km: 3.4,
  device_id: 'DEV-00987',
  city: 'Mumbai',
};

/**
 * A transaction with the columns of docs/synfinance/schema.md. The scorer validates the columns it reads
 * (a bad one is a 400 naming `body.transaction.<column>`); other columns, labels included, are ignored.
 */
export const Transaction = Type.Object(
  {
    transaction_id: Type.Optional(column('Echoed in the prediction; feedback refers to it')),
    customer_id: Type.Optional(column('Required: whose history the features read and update')),
    merchant_id: Type.Optional(column('Required')),
    timestamp: Type.Optional(column('Required: `YYYY-MM-DD HH:MM:SS` wall-clock time (IST)')),
    amount: Type.Optional(column('Required: amount in INR, > 0')),
    category: Type.Optional(column('Required: merchant category')),
    transaction_type: Type.Optional(column('Required: one of the schema’s transaction types')),
    channel: Type.Optional(column('Required: one of the schema’s channels')),
    payment_mode: Type.Optional(column('Required: one of the schema’s payment modes')),
    transaction_status: Type.Optional(column('Approved or Declined')),
    merchant_reputation: Type.Optional(column('0 to 1, or null')),
    latitude: Type.Optional(column('Degrees, or null')),
    longitude: Type.Optional(column('Degrees, or null')),
    distance_from_home_km: Type.Optional(column('Kilometres, or null')),
    device_id: Type.Optional(column('Device identifier, or null')),
    city: Type.Optional(column('City, or null')),
  },
  {
    title: 'Transaction',
    description:
      'A transaction with the columns of docs/synfinance/schema.md. Columns the model reads are validated by the scorer; others (labels included) are ignored.',
    additionalProperties: true,
    examples: [EXAMPLE_TRANSACTION],
  },
);

export const PredictRequest = Type.Object(
  { transaction: Transaction },
  { examples: [{ transaction: EXAMPLE_TRANSACTION }] },
);

export const BatchRequest = Type.Object(
  {
    transactions: Type.Array(
      Type.Unknown({ description: 'A Transaction; an item that is not one gets an error entry' }),
      { description: 'Scored in order; at most 10,000 (more is a 413)' },
    ),
  },
  { examples: [{ transactions: [EXAMPLE_TRANSACTION] }] },
);

export const Reason = Type.Object(
  {
    feature: Type.String(),
    contribution: Type.Number({ description: 'Contribution to the log-odds; positive pushes towards fraud' }),
    value: Type.Union([Type.Number(), Type.Null()], { description: 'The feature value (null when missing)' }),
  },
  { title: 'Reason', additionalProperties: false },
);

export const Decision = Type.Union([Type.Literal('allow'), Type.Literal('review'), Type.Literal('block')]);

const predictionProperties = {
  transaction_id: Type.Union([Type.String(), Type.Null()]),
  fraud_probability: Type.Number({ minimum: 0, maximum: 1 }),
  risk_score: Type.Integer({ minimum: 0, maximum: 100 }),
  decision: Decision,
  top_reasons: Type.Array(Reason),
  model_version: Type.String(),
  processing_time_ms: Type.Number({ minimum: 0 }),
};

export const Prediction = Type.Object(predictionProperties, {
  title: 'Prediction',
  additionalProperties: false,
});
export type Prediction = Static<typeof Prediction>;

export const ItemError = Type.Object(
  {
    field: Type.String({ description: 'The bad field, e.g. body.transactions.1.channel' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ItemError = Static<typeof ItemError>;

export const BatchItem = Type.Union(
  [
    Type.Object(
      { index: Type.Integer({ minimum: 0 }), ...predictionProperties },
      { additionalProperties: false },
    ),
    Type.Object({ index: Type.Integer({ minimum: 0 }), error: ItemError }, { additionalProperties: false }),
  ],
  { description: 'The prediction of one item, or why it could not be scored' },
);
export type BatchItem = Static<typeof BatchItem>;

export const BatchResult = Type.Object(
  {
    model_version: Type.String(),
    count: Type.Integer({ minimum: 0 }),
    errors: Type.Integer({ minimum: 0 }),
    processing_time_ms: Type.Number({ minimum: 0 }),
    results: Type.Array(BatchItem),
  },
  { title: 'BatchResult', additionalProperties: false },
);
export type BatchResult = Static<typeof BatchResult>;

export const Thresholds = Type.Object(
  { review: Type.Number({ minimum: 0, maximum: 1 }), block: Type.Number({ minimum: 0, maximum: 1 }) },
  { additionalProperties: false },
);

const FreeForm = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const HistoryStoreKind = Type.Union([Type.Literal('memory'), Type.Literal('redis')], {
  description: 'Customer histories in this process, or in Redis shared by every replica',
});

export const Readiness = Type.Object(
  {
    status: Type.Literal('ready'),
    model_version: Type.Union([Type.String(), Type.Null()], { description: 'The model in use, if any' }),
    loaded_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    history_store: HistoryStoreKind,
  },
  { title: 'Readiness', additionalProperties: false },
);
export type Readiness = Static<typeof Readiness>;

export const ModelInfo = Type.Object(
  {
    model_version: Type.String(),
    algo: Type.Union([Type.Literal('gbdt'), Type.Literal('logreg')]),
    feature_names: Type.Array(Type.String()),
    feature_spec: Type.Union([Type.Literal('synfinance-history'), Type.Literal('columns')], {
      description: 'How features are computed: from the customer history, or from the columns as given',
    }),
    params: FreeForm('Training parameters'),
    training_data_hash: Type.Union([Type.String(), Type.Null()]),
    metrics: FreeForm('Evaluation metrics recorded at training'),
    created_at: Type.String(),
    thresholds: Thresholds,
    split: Type.Union([FreeForm('The train/test split'), Type.Null()]),
    loaded_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    reloads: Type.Integer({ minimum: 0 }),
    cache: Type.Object(
      {
        kind: HistoryStoreKind,
        customers: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
          description: 'Customers held in this process (null: they are in Redis)',
        }),
        capacity: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
          description: 'Most customers held in this process (null: Redis expiry and maxmemory bound them)',
        }),
      },
      { additionalProperties: false, description: 'Where customer histories are kept' },
    ),
  },
  { title: 'ModelInfo', additionalProperties: false },
);
export type ModelInfo = Static<typeof ModelInfo>;

const Verdict = Type.Union([
  Type.Literal('drift'),
  Type.Literal('warn'),
  Type.Literal('ok'),
  Type.Literal('insufficient_data'),
  Type.Literal('not_monitored'),
]);

export const DriftReport = Type.Object(
  {
    model_version: Type.String(),
    window: Type.Integer({ minimum: 0, description: 'Feature rows of recent predictions compared' }),
    min_window: Type.Integer({ minimum: 0 }),
    verdict: Verdict,
    drifted: Type.Array(Type.String(), { description: 'Features whose verdict is drift' }),
    fields: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          verdict: Verdict,
          drift: Type.Array(
            Type.Object(
              {
                method: Type.Union([Type.Literal('psi'), Type.Literal('ks'), Type.Literal('js')]),
                value: Type.Number(),
                verdict: Verdict,
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'DriftReport', additionalProperties: false },
);
export type DriftReport = Static<typeof DriftReport>;

export const ReloadRequest = Type.Union(
  [
    Type.Object(
      {
        path: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 4096,
            description:
              'Model file on the server, inside the model directory (SYNFINANCE_MODEL_DIR); a relative path is relative to it',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    description: 'Without a path (or without a body), the configured SYNFINANCE_MODEL_PATH is reloaded',
    examples: [{ path: 'fraud-v2.json' }],
  },
);

export const ReloadResult = Type.Object(
  {
    model_version: Type.String(),
    previous_version: Type.Union([Type.String(), Type.Null()]),
    loaded_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ReloadResult = Static<typeof ReloadResult>;

export const FeedbackRequest = Type.Object(
  {
    transaction_id: Type.String({ minLength: 1, maxLength: 200 }),
    is_fraud: Type.Union([Type.Boolean(), Type.Literal(0), Type.Literal(1)], {
      description: 'The confirmed outcome: true/1 fraud, false/0 genuine',
    }),
  },
  { additionalProperties: false, examples: [{ transaction_id: 'TXN-000000000042', is_fraud: true }] },
);

export const FeedbackResult = Type.Object(
  {
    recorded: Type.Literal(true),
    window: Type.Integer({ minimum: 0, description: 'Outcomes in the rolling window' }),
    min_for_metrics: Type.Integer({ minimum: 0 }),
    precision: Type.Union([Type.Number(), Type.Null()], {
      description: 'null until min_for_metrics outcomes',
    }),
    recall: Type.Union([Type.Number(), Type.Null()]),
    f1: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type FeedbackResult = Static<typeof FeedbackResult>;
