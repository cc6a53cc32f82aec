/**
 * Signs into the Airflow UI as a person would, opens the kafka_pipeline DAG
 * (and one of its runs), saves screenshots and prints what the pages show as
 * one JSON line. Run by airflow/tests/test_rest_and_ui.py:
 *   node --import tsx harness/airflow-ui-screenshot.ts BASE_URL USER PASSWORD RUN_ID OUT_DIR
 */
import { mkdirSync } from 'node:fs';
import { launchChromium } from './browser';

async function main(): Promise<void> {
  const [base, user, password, runId, outDir] = process.argv.slice(2);
  if (!base || !user || !password || !runId || !outDir) {
    throw new Error('usage: airflow-ui-screenshot.ts BASE_URL USER PASSWORD RUN_ID OUT_DIR');
  }
  mkdirSync(outDir, { recursive: true });
  const browser = await launchChromium();
  const report: Record<string, { url: string; text: string }> = {};
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(`${base}/dags/kafka_pipeline`);
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dags\/kafka_pipeline/);
    await page.getByText('kafka_pipeline').first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${outDir}/airflow-dag.png` });
    report.dagPage = { url: page.url(), text: (await page.locator('body').innerText()).slice(0, 4000) };

    await page.goto(`${base}/dags/kafka_pipeline/runs/${encodeURIComponent(runId)}`);
    await page.getByText(runId).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${outDir}/airflow-run.png` });
    report.runPage = { url: page.url(), text: (await page.locator('body').innerText()).slice(0, 4000) };
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
