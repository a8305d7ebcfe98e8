// The recipe in the experiment form: for the chosen dataset, the values the engine's rules pick
// (batch, epochs, learning rate, warm-up, augmentation, early stopping), why, and a button that
// copies them into the form.
import { describe, expect, it } from 'vitest'
import { appOnToneFolder, importThroughPicker, type E2eApp } from './helpers'

let app: E2eApp
let folder: string
appOnToneFolder('tagbench-recipe-', (a, f) => {
  app = a
  folder = f
})

describe('the recipe in the experiment form', () => {
  it('shows which rule sets each value, and fills the form from it', async () => {
    const { page } = app
    await importThroughPicker(page, folder, 'tones')
    await page.getByRole('link', { name: 'Experiments', exact: true }).click()
    await page.getByTestId('experiment-form').waitFor()
    await page.getByRole('button', { name: /^Quick start/ }).click()
    const recipe = page.getByTestId('recipe-reasons')
    await recipe.locator('summary').click()
    // A few clips at batch 8: the epochs rule caps the run at 30 epochs; no masks on a set this small.
    await expect.poll(() => recipe.getByTestId('recipe-epochs').innerText()).toMatch(/30[\s\S]*per epoch[\s\S]*\[epochs-steps\]/)
    expect(await recipe.getByTestId('recipe-batchSize').innerText()).toMatch(/batch-small-set/)
    expect(await recipe.getByTestId('recipe-specAugment').innerText()).toMatch(/off[\s\S]*specaug-off-small/)
    // Choosing the preset filled the form from the recipe, as `tagbench train --preset quick` would.
    await expect.poll(() => page.getByTestId('exp-epochs').inputValue()).toBe('30')
    expect(await page.getByTestId('exp-lr').inputValue()).toBe('0.00025')
    await app.shot('recipe-reasons')
    // A value changed by hand shows as differing; "Use these values" brings the recipe back.
    await page.getByTestId('exp-epochs').fill('5')
    await expect.poll(() => recipe.getByTestId('recipe-epochs').locator('td.differs').count()).toBe(1)
    await recipe.getByTestId('recipe-use').click()
    expect(await page.getByTestId('exp-epochs').inputValue()).toBe('30')

    // A preset chosen and the form reset at once (as the queue test does): what is typed afterwards stays.
    await page.getByRole('button', { name: /^Patch overlap/ }).click()
    await page.getByRole('button', { name: 'Reset the form' }).click()
    await page.getByTestId('exp-epochs').fill('40')
    await expect.poll(() => recipe.getByTestId('recipe-epochs').locator('td.differs').count()).toBe(1)
    await page.waitForTimeout(1500)
    expect(await page.getByTestId('exp-epochs').inputValue()).toBe('40')
    expect(app.consoleErrors).toEqual([])
  })
})
