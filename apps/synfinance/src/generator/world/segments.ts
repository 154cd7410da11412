// Customer segments (weights as in the original specification), income brackets and occupations.

export const INCOME_BRACKETS = [
  'Low',
  'Lower-Middle',
  'Middle',
  'Upper-Middle',
  'High',
  'Very High',
] as const;
export type IncomeBracket = (typeof INCOME_BRACKETS)[number];
/** Spend multiplier per bracket (annual income bands: <3L, 3-6L, 6-12L, 12-25L, 25-50L, >50L INR). */
export const INCOME_SPEND = [0.55, 0.75, 1, 1.35, 1.9, 2.8] as const;

export const SAVVINESS = ['Low', 'Medium', 'High'] as const;
export type Savviness = (typeof SAVVINESS)[number];

export type HourProfileName = 'office' | 'shift' | 'student' | 'retired' | 'business';

export interface Occupation {
  name: string;
  profile: HourProfileName;
}

export interface Segment {
  name: string;
  weight: number;
  ageMin: number;
  ageMax: number;
  income: readonly number[]; // weights over INCOME_BRACKETS
  occupations: readonly Occupation[];
  savviness: readonly number[]; // weights over SAVVINESS
  categories: readonly string[]; // preferred categories
  monthlyTxnMin: number;
  monthlyTxnMax: number;
  spend: number; // typical spend multiplier
  /** Multipliers on the base payment-mode shares (UPI, Cash, Debit, Credit, Wallet, NetBanking, BNPL). */
  payTilt: readonly number[];
}

const o = (name: string, profile: HourProfileName): Occupation => ({ name, profile });

export const SEGMENTS: readonly Segment[] = [
  {
    name: 'Young Professional',
    weight: 20,
    ageMin: 24,
    ageMax: 34,
    income: [0, 0.1, 0.35, 0.35, 0.15, 0.05],
    occupations: [
      o('Software Engineer', 'office'),
      o('Consultant', 'office'),
      o('Sales Executive', 'shift'),
      o('Marketing Manager', 'office'),
      o('Financial Analyst', 'office'),
    ],
    savviness: [0.05, 0.35, 0.6],
    categories: ['Food & Dining', 'Shopping', 'Entertainment', 'Travel', 'Transportation'],
    monthlyTxnMin: 35,
    monthlyTxnMax: 60,
    spend: 1.15,
    payTilt: [1, 0.5, 0.8, 1.6, 1.2, 0.8, 1.5],
  },
  {
    name: 'Family',
    weight: 25,
    ageMin: 32,
    ageMax: 52,
    income: [0.05, 0.2, 0.4, 0.25, 0.08, 0.02],
    occupations: [
      o('Government Employee', 'office'),
      o('Teacher', 'office'),
      o('Business Owner', 'business'),
      o('Bank Employee', 'office'),
      o('Engineer', 'office'),
      o('Homemaker', 'retired'),
    ],
    savviness: [0.2, 0.55, 0.25],
    categories: ['Groceries', 'Utilities & Bills', 'Education', 'Healthcare', 'Fuel', 'Fashion'],
    monthlyTxnMin: 30,
    monthlyTxnMax: 50,
    spend: 1.1,
    payTilt: [0.95, 1.1, 1.3, 0.9, 0.8, 1.3, 0.6],
  },
  {
    name: 'Budget Conscious',
    weight: 20,
    ageMin: 22,
    ageMax: 55,
    income: [0.35, 0.4, 0.2, 0.05, 0, 0],
    occupations: [
      o('Retail Staff', 'shift'),
      o('Driver', 'shift'),
      o('Factory Worker', 'shift'),
      o('Delivery Partner', 'shift'),
      o('Small Shop Owner', 'business'),
    ],
    savviness: [0.4, 0.5, 0.1],
    categories: ['Groceries', 'Transportation', 'Utilities & Bills', 'Food & Dining'],
    monthlyTxnMin: 20,
    monthlyTxnMax: 40,
    spend: 0.5,
    payTilt: [1.05, 2.0, 0.9, 0.2, 0.9, 0.4, 0.5],
  },
  {
    name: 'Tech-Savvy Millennial',
    weight: 15,
    ageMin: 25,
    ageMax: 38,
    income: [0, 0.05, 0.3, 0.4, 0.2, 0.05],
    occupations: [
      o('Software Engineer', 'office'),
      o('Product Manager', 'office'),
      o('Designer', 'office'),
      o('Startup Founder', 'business'),
      o('Data Scientist', 'office'),
    ],
    savviness: [0, 0.15, 0.85],
    categories: ['Electronics', 'Entertainment', 'Food & Dining', 'Shopping', 'Travel'],
    monthlyTxnMin: 45,
    monthlyTxnMax: 75,
    spend: 1.25,
    payTilt: [1.1, 0.3, 0.7, 1.4, 1.6, 0.7, 1.4],
  },
  {
    name: 'Affluent',
    weight: 8,
    ageMin: 35,
    ageMax: 62,
    income: [0, 0, 0.05, 0.25, 0.4, 0.3],
    occupations: [
      o('Business Owner', 'business'),
      o('Senior Executive', 'office'),
      o('Doctor', 'shift'),
      o('Lawyer', 'office'),
      o('Chartered Accountant', 'office'),
    ],
    savviness: [0.05, 0.4, 0.55],
    categories: ['Travel', 'Fashion', 'Electronics', 'Food & Dining', 'Healthcare'],
    monthlyTxnMin: 40,
    monthlyTxnMax: 70,
    spend: 2.6,
    payTilt: [0.8, 0.4, 0.8, 3, 0.8, 1.3, 0.5],
  },
  {
    name: 'Senior',
    weight: 7,
    ageMin: 60,
    ageMax: 82,
    income: [0.15, 0.3, 0.35, 0.15, 0.04, 0.01],
    occupations: [
      o('Retired', 'retired'),
      o('Pensioner', 'retired'),
      o('Retired Government Employee', 'retired'),
    ],
    savviness: [0.55, 0.4, 0.05],
    categories: ['Healthcare', 'Groceries', 'Utilities & Bills'],
    monthlyTxnMin: 15,
    monthlyTxnMax: 30,
    spend: 0.8,
    payTilt: [0.6, 2, 1.6, 0.6, 0.4, 1.2, 0.1],
  },
  {
    name: 'Student',
    weight: 5,
    ageMin: 18,
    ageMax: 24,
    income: [0.6, 0.35, 0.05, 0, 0, 0],
    occupations: [o('Student', 'student')],
    savviness: [0.05, 0.3, 0.65],
    categories: ['Food & Dining', 'Entertainment', 'Transportation', 'Education', 'Shopping'],
    monthlyTxnMin: 25,
    monthlyTxnMax: 45,
    spend: 0.35,
    payTilt: [1.3, 0.8, 0.8, 0.1, 1.4, 0.3, 0.9],
  },
];
