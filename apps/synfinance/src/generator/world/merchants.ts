// Merchant categories and the merchant universe (chains and local merchants, pooled by city).

import { Rng } from '@polymorph/random/rng';
import { CITIES, type City } from './cities.ts';

export interface Category {
  name: string;
  subcategories: readonly string[];
  /** Median ticket in INR for a "Middle" income customer with spend multiplier 1. */
  median: number;
  sigma: number;
  /** Share of this category's transactions that are online (web) and in-app (mobile). */
  online: number;
  mobile: number;
  chains: readonly string[];
  nouns: readonly string[];
}

export const CATEGORIES: readonly Category[] = [
  {
    name: 'Groceries',
    subcategories: ['Supermarket', 'Kirana Store', 'Online Grocery', 'Dairy & Bakery'],
    median: 600,
    sigma: 0.75,
    online: 0.05,
    mobile: 0.15,
    chains: ['FreshBasket', 'DailyMart', 'SuperSaver', 'GreenGrocer'],
    nouns: ['Kirana Store', 'General Store', 'Provision Store', 'Supermarket'],
  },
  {
    name: 'Food & Dining',
    subcategories: ['Restaurant', 'Cafe', 'Food Delivery', 'Street Food'],
    median: 380,
    sigma: 0.75,
    online: 0.05,
    mobile: 0.3,
    chains: ['Spice Route', 'Chai Point Cafe', 'Tandoor House', 'Dosa Corner'],
    nouns: ['Restaurant', 'Bhojanalaya', 'Cafe', 'Dhaba'],
  },
  {
    name: 'Fuel',
    subcategories: ['Petrol Pump', 'CNG Station', 'EV Charging'],
    median: 1100,
    sigma: 0.5,
    online: 0,
    mobile: 0.02,
    chains: ['Bharat Fuels', 'IndiFuel', 'Highway Petro', 'GreenCharge'],
    nouns: ['Filling Station', 'Petrol Pump', 'Fuel Point'],
  },
  {
    name: 'Transportation',
    subcategories: ['Ride Hailing', 'Metro & Bus', 'Auto Rickshaw', 'Parking & Tolls'],
    median: 190,
    sigma: 0.75,
    online: 0.05,
    mobile: 0.5,
    chains: ['QuickRide', 'CityCab', 'MetroPass', 'TollLink'],
    nouns: ['Travels', 'Taxi Service', 'Auto Stand'],
  },
  {
    name: 'Shopping',
    subcategories: ['E-commerce Marketplace', 'Department Store', 'Home & Kitchen', 'Books & Stationery'],
    median: 1400,
    sigma: 0.9,
    online: 0.35,
    mobile: 0.25,
    chains: ['MegaMart', 'HomeStop', 'ShopNest', 'PageTurners'],
    nouns: ['Emporium', 'Bazaar', 'Stores', 'Trading Co'],
  },
  {
    name: 'Electronics',
    subcategories: ['Mobile Phones', 'Laptops & Computers', 'Home Appliances', 'Accessories'],
    median: 4500,
    sigma: 1.1,
    online: 0.35,
    mobile: 0.2,
    chains: ['ElectroWorld', 'Digital Hub', 'GadgetZone', 'VoltMart'],
    nouns: ['Electronics', 'Mobile Centre', 'Digital Store'],
  },
  {
    name: 'Fashion',
    subcategories: ['Clothing', 'Footwear', 'Jewellery', 'Accessories'],
    median: 1800,
    sigma: 0.95,
    online: 0.25,
    mobile: 0.25,
    chains: ['StyleHub', 'Trendz', 'ShoeCraft', 'Tanishka Jewels'],
    nouns: ['Garments', 'Textiles', 'Footwear', 'Jewellers'],
  },
  {
    name: 'Travel',
    subcategories: ['Airlines', 'Railways', 'Hotels', 'Bus Tickets'],
    median: 4200,
    sigma: 0.9,
    online: 0.5,
    mobile: 0.35,
    chains: ['SkyWings Air', 'RailConnect', 'StayInn Hotels', 'RedRoad Bus'],
    nouns: ['Tours & Travels', 'Lodge', 'Travel Agency'],
  },
  {
    name: 'Entertainment',
    subcategories: ['Movies', 'OTT Subscription', 'Gaming', 'Events'],
    median: 420,
    sigma: 0.8,
    online: 0.3,
    mobile: 0.4,
    chains: ['CinePlex', 'StreamBox', 'PlayArena', 'ShowTime Events'],
    nouns: ['Cinema', 'Gaming Zone', 'Events'],
  },
  {
    name: 'Utilities & Bills',
    subcategories: ['Electricity', 'Mobile Recharge', 'Broadband', 'Water & Gas', 'Insurance Premium'],
    median: 850,
    sigma: 0.9,
    online: 0.35,
    mobile: 0.55,
    chains: ['PowerGrid Discom', 'TeleOne', 'NetFast Broadband', 'SecureLife Insurance'],
    nouns: ['Recharge Point', 'Bill Centre', 'Services'],
  },
  {
    name: 'Healthcare',
    subcategories: ['Pharmacy', 'Clinic', 'Diagnostics', 'Hospital'],
    median: 750,
    sigma: 1.0,
    online: 0.1,
    mobile: 0.15,
    chains: ['MediPlus Pharmacy', 'CareWell Clinics', 'LabFirst Diagnostics', 'LifeLine Hospitals'],
    nouns: ['Medical Store', 'Clinic', 'Pharmacy', 'Diagnostics'],
  },
  {
    name: 'Education',
    subcategories: ['School Fees', 'Coaching', 'Online Courses', 'Books'],
    median: 3200,
    sigma: 1.0,
    online: 0.35,
    mobile: 0.2,
    chains: ['BrightMinds Academy', 'LearnPro', 'EduKart', 'Scholars Point'],
    nouns: ['Academy', 'Coaching Centre', 'Institute', 'Book Depot'],
  },
];

export const CATEGORY_INDEX: ReadonlyMap<string, number> = new Map(CATEGORIES.map((c, i) => [c.name, i]));

const NAME_PREFIXES = [
  'Sharma',
  'Gupta',
  'Lakshmi',
  'Ganesh',
  'Sai',
  'Shree',
  'Krishna',
  'Patel',
  'Reddy',
  'Iyer',
  'Singh',
  'Balaji',
  'Durga',
  'Anand',
  'Royal',
  'New',
  'Jai Hind',
  'Modern',
  'Mahalaxmi',
  'Annapurna',
];

export interface Merchant {
  idx: number;
  id: string;
  name: string;
  category: number;
  subcategory: string;
  city: number; // registered city (index into CITIES)
  online: boolean;
  isChain: boolean;
  reputation: number;
  lat: number;
  lon: number;
  /** Hidden: merchant used by merchant-collusion fraud. Never written to any output column. */
  colluding: boolean;
}

export interface MerchantUniverse {
  merchants: Merchant[];
  /** byCityCat[city * nCat + cat] = merchant indices located in that city for that category. */
  byCityCat: number[][];
  /** onlineByCat[cat] = national online merchants. */
  onlineByCat: number[][];
  colluding: number[];
}

const ONLINE_HQ = ['Bengaluru', 'Mumbai', 'Gurugram', 'Delhi', 'Hyderabad', 'Pune'];

function jitter(rng: Rng, city: City): [number, number] {
  // spread outlets over roughly +-12 km around the city centre
  return [city.lat + rng.range(-0.11, 0.11), city.lon + rng.range(-0.11, 0.11)];
}

/** Deterministic merchant universe for a seed: the same seed gives the same merchants everywhere. */
export function buildMerchantUniverse(seed: number): MerchantUniverse {
  const rng = new Rng(seed, 0x4d455243); // 'MERC'
  const nCat = CATEGORIES.length;
  const merchants: Merchant[] = [];
  const byCityCat: number[][] = Array.from({ length: CITIES.length * nCat }, () => []);
  const onlineByCat: number[][] = Array.from({ length: nCat }, () => []);
  const add = (m: Omit<Merchant, 'idx' | 'id'>): Merchant => {
    const idx = merchants.length;
    const full: Merchant = { ...m, idx, id: `MER${String(idx + 1).padStart(6, '0')}` };
    merchants.push(full);
    return full;
  };
  const reputation = (chain: boolean) => {
    const base = chain ? rng.range(0.78, 0.99) : rng.range(0.55, 0.97);
    return Math.round(base * 1000) / 1000;
  };

  for (let k = 0; k < nCat; k++) {
    const cat = CATEGORIES[k]!;
    // national online merchants
    for (let j = 0; j < 6; j++) {
      const hq = CITIES.findIndex((c) => c.name === ONLINE_HQ[j % ONLINE_HQ.length]);
      const city = CITIES[hq]!;
      const [lat, lon] = jitter(rng, city);
      const m = add({
        name: `${cat.chains[j % cat.chains.length]} ${j < 4 ? 'Online' : 'Express'}`,
        category: k,
        subcategory: rng.pick(cat.subcategories),
        city: hq,
        online: true,
        isChain: true,
        reputation: reputation(true),
        lat,
        lon,
        colluding: false,
      });
      onlineByCat[k]!.push(m.idx);
    }
  }

  for (let c = 0; c < CITIES.length; c++) {
    const city = CITIES[c]!;
    for (let k = 0; k < nCat; k++) {
      const cat = CATEGORIES[k]!;
      const pool = byCityCat[c * nCat + k]!;
      for (const chain of cat.chains) {
        if (city.tier === 3 && !rng.chance(0.5)) continue;
        const [lat, lon] = jitter(rng, city);
        const m = add({
          name: `${chain} ${city.name}`,
          category: k,
          subcategory: rng.pick(cat.subcategories),
          city: c,
          online: false,
          isChain: true,
          reputation: reputation(true),
          lat,
          lon,
          colluding: false,
        });
        pool.push(m.idx);
      }
      const locals = Math.max(3, Math.round(2 + city.weight * 1.2));
      for (let j = 0; j < locals; j++) {
        const [lat, lon] = jitter(rng, city);
        const colluding = rng.chance(0.012);
        const m = add({
          name: `${rng.pick(NAME_PREFIXES)} ${rng.pick(cat.nouns)}`,
          category: k,
          subcategory: rng.pick(cat.subcategories),
          city: c,
          online: false,
          isChain: false,
          // colluding merchants skew to lower reputation, but overlap with honest ones
          reputation: colluding ? Math.round(rng.range(0.35, 0.8) * 1000) / 1000 : reputation(false),
          lat,
          lon,
          colluding,
        });
        pool.push(m.idx);
      }
    }
  }
  const colluding = merchants.filter((m) => m.colluding).map((m) => m.idx);
  return { merchants, byCityCat, onlineByCat, colluding };
}
