import { describe, expect, it } from 'vitest';
import { clickNav, screenshot, signInAs, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

/** An iPhone-sized screen: 390 CSS pixels wide. */
const PHONE = { width: 390, height: 844 };

// The dev server's AI_API_URL is the fake model provider (test/fake-ai, started by global-setup):
// it echoes the question in Markdown, and `#slow` makes it send a hundred words 100 ms apart.
describe('assistant', () => {
  const browser = useBrowser();

  it('should stream an answer as Markdown, stop a slow one and show it partial after a reload', async () => {
    const { page, errors, offsiteRequests } = await browser.open('/', { viewport: PHONE });
    await signInAs(page, browser.baseUrl, uniquePhone('+4479002'), 'Ada');
    await clickNav(page, 'nav-assistant');
    expect(new URL(page.url()).pathname).toBe('/assistant');
    await expect.poll(() => page.getByTestId('assistant-model').inputValue()).toBe('fake-model');

    // A whole answer: it streams in, the bold is rendered, and the model's HTML is shown as text.
    await page.getByTestId('assistant-input').fill('What is <img src=x onerror=alert(1)> here?');
    await page.getByTestId('assistant-send').click();
    const answer = page.locator('[data-testid="assistant-turn"][data-role="assistant"]').last();
    await page.locator('[data-testid="assistant-turn"][data-role="assistant"][data-state="done"]').waitFor();
    expect(await answer.textContent()).toContain(
      'Hello from the fake model. You said: What is <img src=x onerror=alert(1)> here?.',
    );
    expect(await answer.locator('strong').textContent()).toBe('fake model');
    expect(await answer.locator('img').count()).toBe(0);
    const url = new URL(page.url());
    const conversationId = url.searchParams.get('c');
    expect(conversationId).toBeTruthy();
    await page.locator(`[data-testid="assistant-conversation"][data-id="${conversationId}"]`).waitFor();

    // A slow answer in the same conversation, stopped after a few words.
    await page.getByTestId('assistant-input').fill('Count slowly #slow');
    await page.getByTestId('assistant-send').click();
    const slow = page.locator('[data-testid="assistant-turn"][data-role="assistant"]').nth(1);
    await slow.getByText('word3', { exact: false }).waitFor();
    await page.getByTestId('assistant-stop').click();
    await slow.getByTestId('assistant-partial').waitFor();
    const shown = (await slow.textContent()) ?? '';
    expect(shown).not.toContain('word99');
    await page.getByTestId('assistant-send').waitFor();
    await screenshot(page, 'assistant-phone');

    // After a reload the stopped answer is still there, marked partial, cut where it stopped.
    await page.reload();
    const stored = page.locator('[data-testid="assistant-turn"][data-role="assistant"]');
    await stored.nth(1).waitFor();
    expect(await page.getByTestId('assistant-turn').count()).toBe(4);
    expect(await stored.nth(0).getAttribute('data-state')).toBe('done');
    expect(await stored.nth(1).getAttribute('data-state')).toBe('partial');
    expect(await stored.nth(1).getByTestId('assistant-partial').textContent()).toContain('partial');
    expect(await stored.nth(1).textContent()).toContain('word3');
    expect(await stored.nth(1).textContent()).not.toContain('word99');

    // Nothing sideways on the phone, nothing from another origin, no console errors.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(offsiteRequests).toEqual([]);
    expect(errors).toEqual([]);
  });
});
