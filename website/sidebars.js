// @ts-check
// The order of the reference's docs, plus the pages about what this implementation adds.

/** @type {import('@docusaurus/plugin-content-docs').SidebarsConfig} */
const sidebars = {
  docs: [
    {
      type: 'category',
      label: 'Getting started',
      collapsed: false,
      items: ['intro', 'quick-start', 'premade-models'],
    },
    {
      type: 'category',
      label: 'Features',
      collapsed: false,
      items: [
        'create-images',
        'model-sources',
        'runners',
        'fine-tune',
        'vision',
        'gpu',
        'kubernetes',
        'security',
        'supply-chain',
      ],
    },
    {
      type: 'category',
      label: 'Specifications',
      collapsed: false,
      items: ['specs-inference', 'specs-finetune'],
    },
    {
      type: 'category',
      label: 'Inference backends',
      collapsed: false,
      items: ['llama-cpp', 'diffusion', 'vllm', 'llama-server'],
    },
    {
      type: 'category',
      label: 'Building',
      collapsed: false,
      items: ['cli', 'errors', 'mirrors', 'lock', 'layering', 'engines', 'performance', 'packaging'],
    },
    {
      type: 'category',
      label: 'Contributing',
      collapsed: false,
      items: ['architecture', 'developing', 'decisions', 'release'],
    },
  ],
};

export default sidebars;
