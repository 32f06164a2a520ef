import { describe, expect, it } from 'vitest';
import { lowConfidenceWarning } from '../src/core/analyze';

describe('low-confidence warning', () => {
  it('counts classified nuclei only, not objects set aside as Other', () => {
    const nuclei = [
      { label: 'NILM' as const, lowConfidence: true },
      { label: 'HSIL' as const, lowConfidence: false },
      { label: 'Other' as const, lowConfidence: true },
      { label: 'Other' as const, lowConfidence: true },
    ];
    expect(lowConfidenceWarning(nuclei, 0.5)).toBe(
      '1 of 2 nuclei have low-confidence predictions (top probability below 0.5).',
    );
    expect(lowConfidenceWarning(nuclei.slice(1), 0.5)).toBeNull();
  });
});
