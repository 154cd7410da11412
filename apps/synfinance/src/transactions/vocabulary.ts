// The values of the transaction file's categorical columns, in the order both the generator (which
// writes them by index) and the fraud features (which one-hot encode them by index) rely on.

export const TRANSACTION_TYPES = ['purchase', 'refund', 'p2p_transfer', 'atm_withdrawal'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const CHANNELS = ['POS', 'Online', 'Mobile', 'ATM'] as const;

export const PAYMENT_MODES = [
  'UPI',
  'Cash',
  'Debit Card',
  'Credit Card',
  'Wallet',
  'Net Banking',
  'BNPL',
] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];
