// @ts-check
// The aikit docs site. Everything it needs comes from npm: no remote fonts, no analytics, no
// hosted search; the search index is built with the site (@easyops-cn/docusaurus-search-local).
import { themes as prismThemes } from 'prism-react-renderer';

/** @type {import('@docusaurus/types').Config} */
const config = {
  title: 'aikit',
  tagline: 'Open AI models as minimal, runnable container images, from one declarative file',
  favicon: 'img/favicon.svg',
  url: 'https://kaito-project.github.io',
  baseUrl: '/aikit/docs/',
  organizationName: 'kaito-project',
  projectName: 'aikit',
  trailingSlash: false,
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  markdown: {
    // ```mermaid blocks become diagrams, drawn in the browser by @docusaurus/theme-mermaid.
    mermaid: true,
    hooks: { onBrokenMarkdownLinks: 'throw' },
  },
  // The benchmark charts (bench/*.svg) are served as they are committed, next to the figures.
  staticDirectories: ['static', '../bench'],
  i18n: { defaultLocale: 'en', locales: ['en'] },
  presets: [
    [
      'classic',
      /** @type {import('@docusaurus/preset-classic').Options} */
      ({
        docs: {
          routeBasePath: '/',
          sidebarPath: './sidebars.js',
        },
        blog: false,
        theme: { customCss: './src/css/custom.css' },
      }),
    ],
  ],
  themes: [
    '@docusaurus/theme-mermaid',
    [
      '@easyops-cn/docusaurus-search-local',
      /** @type {import('@easyops-cn/docusaurus-search-local').PluginOptions} */
      ({
        hashed: true,
        language: ['en'],
        docsRouteBasePath: '/',
        indexBlog: false,
        indexPages: false,
        highlightSearchTermsOnTargetPage: true,
        explicitSearchResultPath: true,
      }),
    ],
  ],
  themeConfig:
    /** @type {import('@docusaurus/preset-classic').ThemeConfig} */
    ({
      colorMode: { respectPrefersColorScheme: true },
      mermaid: { theme: { light: 'neutral', dark: 'dark' } },
      navbar: {
        title: 'aikit',
        logo: { alt: 'aikit', src: 'img/logo.svg' },
        items: [
          { type: 'docSidebar', sidebarId: 'docs', position: 'left', label: 'Docs' },
          { to: '/cli', label: 'CLI', position: 'left' },
          { to: '/errors', label: 'Errors', position: 'left' },
          { href: 'https://github.com/kaito-project/aikit', label: 'GitHub', position: 'right' },
        ],
      },
      footer: {
        style: 'dark',
        links: [
          {
            title: 'Docs',
            items: [
              { label: 'Quick start', to: '/quick-start' },
              { label: 'Create images', to: '/create-images' },
              { label: 'Inference specification', to: '/specs-inference' },
            ],
          },
          {
            title: 'Project',
            items: [
              { label: 'GitHub', href: 'https://github.com/kaito-project/aikit' },
              { label: 'Developing', to: '/developing' },
            ],
          },
        ],
        copyright: 'aikit is MIT licensed.',
      },
      prism: {
        theme: prismThemes.github,
        darkTheme: prismThemes.dracula,
        additionalLanguages: ['bash', 'json', 'yaml'],
      },
    }),
};

export default config;
