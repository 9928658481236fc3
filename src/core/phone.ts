import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export interface ParsedPhone {
  /** E.164, e.g. `+919876543210`. */
  e164: string;
  /** National significant number, digits only. */
  national: string;
  country: string | null;
  dialCode: string;
}

/**
 * Reads a phone number in international form, or national form with the default country.
 * Returns null when it is not a valid number.
 */
export function parsePhone(raw: string, defaultCountry: string | null): ParsedPhone | null {
  const text = raw.trim();
  if (text.length === 0 || text.length > 32) return null;
  const parsed = parsePhoneNumberFromString(text, (defaultCountry ?? undefined) as CountryCode | undefined);
  if (!parsed?.isValid()) return null;
  return {
    e164: parsed.number,
    national: parsed.nationalNumber,
    country: parsed.country ?? null,
    dialCode: `+${parsed.countryCallingCode}`,
  };
}
