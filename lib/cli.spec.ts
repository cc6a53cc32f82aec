import { commandOf, numberOption, parseCommandLine, UsageError } from './cli';

describe('numberOption', () => {
  it('reads a number, and nothing when the option was not given', () => {
    expect(numberOption('interval', '0.5')).toBe(0.5);
    expect(numberOption('interval', undefined)).toBeUndefined();
  });

  it.each(['', ' ', 'soon', 'Infinity', 'NaN'])('refuses %j, naming the option', (value) => {
    expect(() => numberOption('interval', value)).toThrow(UsageError);
    expect(() => numberOption('interval', value)).toThrow(`--interval must be a number (got ${JSON.stringify(value)})`);
  });
});

describe('parseCommandLine', () => {
  const options = { interval: { type: 'string' } } as const;

  it('reads options and positionals', () => {
    const { values, positionals } = parseCommandLine('usage', {
      args: ['somedata', '--interval', '2'],
      allowPositionals: true,
      options,
    });
    expect(values.interval).toBe('2');
    expect(positionals).toEqual(['somedata']);
  });

  it("turns parseArgs' own errors into a UsageError", () => {
    expect(() => parseCommandLine('usage', { args: ['--bogus'], options })).toThrow(UsageError);
    expect(() => parseCommandLine('usage', { args: ['--interval'], options })).toThrow(/--interval/);
  });
});

describe('commandOf', () => {
  const names = ['somedata', 'footdata'] as const;

  it('returns the one positional argument when it is a known command', () => {
    expect(commandOf(['footdata'], names, 'a routine')).toBe('footdata');
  });

  it.each([
    [[], 'the first argument must be a routine: somedata or footdata'],
    [['otherdata'], 'the first argument must be a routine: somedata or footdata'],
    [['somedata', 'extra', 'more'], 'unexpected arguments: extra more'],
  ])('refuses %j: %s', (positionals, message) => {
    expect(() => commandOf(positionals, names, 'a routine')).toThrow(new UsageError(message));
  });
});
