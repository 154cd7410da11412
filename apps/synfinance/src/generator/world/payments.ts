// Payment modes, channels and devices.
//
// Base shares by transaction count (all channels, cash included). UPI dominates by count, as in
// NPCI's published UPI volumes and the RBI payment-system indicators; see docs/synfinance/generator.md
// for the calibration source and what is an assumption (the cash share has no official count).

// Indices into PAYMENT_MODES (transactions/vocabulary.ts), the order every table below follows.
export const PM_UPI = 0;
export const PM_CASH = 1;
export const PM_DEBIT = 2;
export const PM_CREDIT = 3;
export const PM_WALLET = 4;
export const PM_NETBANKING = 5;
export const PM_BNPL = 6;

/** Target share of each payment mode by count (sums to 1). */
export const PAYMENT_MODE_TARGET: readonly number[] = [0.58, 0.14, 0.08, 0.08, 0.05, 0.05, 0.02];

/**
 * Per-mode correction applied to customers' preference weights so that the realised mix, after
 * channel constraints (no cash online, debit-only ATMs) and segment tilts, lands on the target.
 * Measured by `synfinance profile` on a 200k-row default run.
 */
export const PAYMENT_MODE_CALIBRATION: readonly number[] = [0.9, 2.4, 0.72, 0.95, 1.0, 1.0, 2.6];

/** card_type is a pure function of the payment mode: never contradicts it. */
export function cardTypeFor(mode: number): string | null {
  if (mode === PM_DEBIT) return 'Debit';
  if (mode === PM_CREDIT) return 'Credit';
  return null;
}

// Indices into CHANNELS (transactions/vocabulary.ts).
export const CH_POS = 0;
export const CH_ONLINE = 1;
export const CH_MOBILE = 2;
export const CH_ATM = 3;

/** Which modes each channel accepts (1 = allowed). Order follows PAYMENT_MODES. */
export const CHANNEL_MODES: readonly (readonly number[])[] = [
  [1, 1, 1, 1, 1, 0, 0], // POS: UPI QR, cash, cards, wallet QR
  [1, 0, 1, 1, 1, 1, 1], // Online (web)
  [1, 0, 1, 1, 1, 1, 1], // Mobile (app)
  [0, 0, 1, 0, 0, 0, 0], // ATM: debit card only
];

export const OS_MOBILE = ['Android', 'iOS'] as const;
export const OS_DESKTOP = ['Windows', 'macOS', 'Linux'] as const;
export const APP_VERSIONS = ['5.2.1', '5.3.0', '5.4.2', '6.0.0', '6.1.3'] as const;
