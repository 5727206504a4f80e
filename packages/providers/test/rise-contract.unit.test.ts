import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nonceOfSiweMessage } from '../src/rise/rise-auth.ts';
import { formatInvoiceDescription, lookupWindow, parseInvoiceDescription } from '../src/rise/rise-contract.ts';

const keyChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-'.split('');
const idempotencyKey = fc.string({ unit: fc.constantFrom(...keyChars), minLength: 1, maxLength: 128 });

describe('invoice description carrying our idempotency key', () => {
  it('parses back the key it was formatted with, whatever the reference says', () => {
    fc.assert(
      fc.property(idempotencyKey, fc.option(fc.string(), { nil: undefined }), (key, reference) => {
        const description = formatInvoiceDescription(key, reference);
        expect(parseInvoiceDescription(description)).toBe(key);
      }),
    );
  });

  it('reads "<reference> [<key>]"', () => {
    expect(formatInvoiceDescription('tx_1', 'Commissions May 2026')).toBe('Commissions May 2026 [tx_1]');
    expect(formatInvoiceDescription('tx_1')).toBe('[tx_1]');
    expect(formatInvoiceDescription('tx_1', '   ')).toBe('[tx_1]');
  });

  it('never mistakes a key for another that it is a prefix of', () => {
    fc.assert(
      fc.property(idempotencyKey, idempotencyKey, (key, suffix) => {
        fc.pre(`${key}${suffix}`.length <= 128);
        expect(parseInvoiceDescription(formatInvoiceDescription(`${key}${suffix}`, 'ref'))).not.toBe(key);
        expect(parseInvoiceDescription(formatInvoiceDescription(key, `ref [${key}${suffix}]`))).toBe(key);
      }),
    );
    expect(parseInvoiceDescription('May [tx_10]')).toBe('tx_10');
  });

  it('finds no key in text we did not write', () => {
    for (const text of [undefined, null, '', 'Commissions May', '[]', '[tx_1] trailing', '[a b]', '[tx[1]]']) {
      expect(parseInvoiceDescription(text), String(text)).toBeUndefined();
    }
  });

  it('refuses keys the parser could not read back', () => {
    for (const bad of ['', 'a]b', 'a[b', 'with space', 'x'.repeat(129)]) {
      expect(() => formatInvoiceDescription(bad, 'ref'), bad).toThrow(RangeError);
    }
  });
});

describe('look-up window', () => {
  it('spans 30 UTC days back to tomorrow', () => {
    expect(lookupWindow(new Date('2026-03-01T23:59:59Z'))).toEqual({ startDate: '2026-01-30', endDate: '2026-03-02' });
    expect(lookupWindow(new Date('2026-12-31T00:00:00Z'))).toEqual({ startDate: '2026-12-01', endDate: '2027-01-01' });
  });
});

describe('SIWE nonce', () => {
  it('is the text after "Nonce: "', () => {
    const message = [
      'app.riseworks.io wants you to sign in with your Ethereum account:',
      '0x0000000000000000000000000000000000000001',
      '',
      'URI: https://app.riseworks.io',
      'Version: 1',
      'Chain ID: 42161',
      'Nonce: k3Yq9ZpX2w',
      'Issued At: 2026-05-01T00:00:00Z',
    ].join('\n');
    expect(nonceOfSiweMessage(message)).toBe('k3Yq9ZpX2w');
    expect(nonceOfSiweMessage('no nonce here')).toBeUndefined();
  });
});
