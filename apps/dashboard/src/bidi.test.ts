import { describe, expect, it } from 'vitest';
import { escapeBidi, hasBidiControls } from './bidi.ts';

describe('escapeBidi', () => {
  it('writes out every bidirectional control character and nothing else', () => {
    const controls = [
      ...Array.from({ length: 5 }, (_, i) => 0x202a + i),
      ...Array.from({ length: 4 }, (_, i) => 0x2066 + i),
      0x200e,
      0x200f,
      0x061c,
    ];
    for (const cp of controls) {
      const c = String.fromCharCode(cp);
      const shown = escapeBidi(`a${c}b`);
      expect(shown).toBe(`a⟨U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟩b`);
      expect(hasBidiControls(shown)).toBe(false);
      expect(hasBidiControls(`x${c}`)).toBe(true);
    }
  });

  it('shows a reversed error in its written order, and leaves other text alone', () => {
    expect(escapeBidi('CUDA error in \u202Egnp.tset\u202C')).toBe(
      'CUDA error in ⟨U+202E⟩gnp.tset⟨U+202C⟩',
    );
    const plain = 'loss nan at epoch 3: שגיאה, خطأ, ошибка, 错误 — ✕ 1e-4';
    expect(escapeBidi(plain)).toBe(plain);
    expect(hasBidiControls(plain)).toBe(false);
  });
});
