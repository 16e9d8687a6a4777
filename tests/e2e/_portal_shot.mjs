import { demo, newPage, DEMO_PIN } from './harness.mjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const full = process.env.FULL === '1';
const env = await demo();
try {
  const cards = readdirSync(join(env.data, 'demo-cards')).filter((f) => f.startsWith('12131017')).sort();
  for (const [w, h] of [[375, 812], [1280, 900]]) {
    const page = await newPage(env.browser, env.url, { width: w, height: h });
    await page.goto('/login');
    await page.getByTestId('login-tab-card').click();
    await page.getByTestId('card-file').setInputFiles(join(env.data, 'demo-cards', cards[0]));
    await page.getByTestId('card-method-pin').click();
    await page.getByTestId('card-pin').fill(DEMO_PIN);
    await page.getByTestId('card-submit').click();
    await page.waitForURL('**/me');
    await page.getByTestId('recipient-number').waitFor();
    const shot = (name) => page.screenshot(full ? { path: `/tmp/portal-work/${name}-${w}.png`, fullPage: true } : { path: `/tmp/portal-work/${name}-${w}-top.png`, clip: { x: 0, y: 0, width: w, height: 400 } });
    await shot('home');
    for (const s of ['tickets', 'health', 'access', 'profile']) {
      await page.getByTestId(`portal-nav-${s}`).getByRole('link').click();
      await page.waitForTimeout(600);
      await shot(s);
    }
    await page.context().close();
  }
} finally {
  await env.close();
}
