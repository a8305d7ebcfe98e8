import { createRouter, createWebHashHistory } from 'vue-router'

// Hash history: the same built files work from file:// in Electron and from the server.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/datasets' },
    { path: '/datasets', component: () => import('./pages/DatasetsPage.vue'), meta: { title: 'Datasets' } },
    { path: '/datasets/:id', component: () => import('./pages/DatasetPage.vue'), meta: { title: 'Dataset' } },
    { path: '/experiments', component: () => import('./pages/ExperimentsPage.vue'), meta: { title: 'Experiments' } },
    { path: '/runs', component: () => import('./pages/RunsPage.vue'), meta: { title: 'Runs' } },
    { path: '/runs/:id', component: () => import('./pages/RunPage.vue'), meta: { title: 'Run' } },
    { path: '/tag', component: () => import('./pages/TagPage.vue'), meta: { title: 'Tag' } },
    { path: '/settings', component: () => import('./pages/SettingsPage.vue'), meta: { title: 'Settings' } }
  ]
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${String(to.meta.title)} · Tagbench` : 'Tagbench'
})
