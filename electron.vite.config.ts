import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        // Job process and feature-cache worker entries are bundled beside the main entry, so
        // utilityProcess and worker_threads can start them from out/main.
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          jobWorker: resolve(__dirname, 'src/main/jobs/worker.ts'),
          cacheWorker: resolve(__dirname, 'src/main/engine/audio/cacheWorker.ts'),
          gradientWorker: resolve(__dirname, 'src/main/engine/train/parallel/gradientWorker.ts')
        }
      }
    }
  },
  preload: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        // A CommonJS preload works with Electron's sandbox.
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
    build: {
      rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') }
    },
    plugins: [vue()]
  }
})
