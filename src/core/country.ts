import { countries } from 'countries-list';

export interface CountryInfo {
  code: string;
  name: string;
  /** Calling code with a plus sign, e.g. `+91`. */
  dialCode: string | null;
  /** ISO 4217 code of the country's main currency. */
  currency: string | null;
}

const table = countries as Record<string, { name: string; phone: number[]; currency: string[] }>;

/** Country facts for an ISO 3166-1 alpha-2 code (any case), or null when unknown. */
export function countryInfo(code: string | null | undefined): CountryInfo | null {
  if (!code) return null;
  const upper = code.toUpperCase();
  const entry = table[upper];
  if (!entry) return null;
  return {
    code: upper,
    name: entry.name,
    dialCode: entry.phone[0] !== undefined ? `+${entry.phone[0]}` : null,
    currency: entry.currency[0] ?? null,
  };
}

/** True for a known ISO 3166-1 alpha-2 code. */
export function isCountryCode(code: string): boolean {
  return /^[A-Za-z]{2}$/.test(code) && table[code.toUpperCase()] !== undefined;
}

/** The alpha-2 code of a country given by name or code (case-insensitive), or null. */
export function countryCodeFromName(nameOrCode: string): string | null {
  const trimmed = nameOrCode.trim();
  if (isCountryCode(trimmed)) return trimmed.toUpperCase();
  const lower = trimmed.toLowerCase();
  for (const [code, entry] of Object.entries(table)) {
    if (entry.name.toLowerCase() === lower) return code;
  }
  return null;
}
