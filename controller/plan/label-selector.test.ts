import { describe, expect, it } from 'vitest';
import { matchesLabelSelector } from './label-selector.js';

const labels = { env: 'prod', region: 'eu' };

describe('matchesLabelSelector', () => {
  it('selects everything with an empty selector', () => {
    expect(matchesLabelSelector(labels, {})).toBe(true);
    expect(matchesLabelSelector({}, { matchLabels: {}, matchExpressions: [] })).toBe(true);
  });

  it('requires every matchLabels pair', () => {
    expect(matchesLabelSelector(labels, { matchLabels: { env: 'prod' } })).toBe(true);
    expect(matchesLabelSelector(labels, { matchLabels: { env: 'prod', region: 'us' } })).toBe(false);
    expect(matchesLabelSelector(labels, { matchLabels: { tier: 'gold' } })).toBe(false);
  });

  it('does not treat inherited object properties as labels', () => {
    expect(matchesLabelSelector({}, { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] })).toBe(false);
    expect(matchesLabelSelector({}, { matchLabels: { toString: 'x' } })).toBe(false);
  });

  it('evaluates In and NotIn, with NotIn holding for an absent label', () => {
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] })).toBe(false);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] })).toBe(false);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] })).toBe(false);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] })).toBe(true);
  });

  it('evaluates Exists and DoesNotExist', () => {
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'region', operator: 'Exists' }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'Exists' }] })).toBe(false);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] })).toBe(false);
  });

  it('requires matchLabels and matchExpressions together', () => {
    const selector = { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'region', operator: 'In' as const, values: ['us'] }] };
    expect(matchesLabelSelector(labels, selector)).toBe(false);
    expect(matchesLabelSelector({ env: 'prod', region: 'us' }, selector)).toBe(true);
  });
});
