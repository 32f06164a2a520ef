/// <reference lib="webworker" />
// Browser worker entry: Vite bundles it via new URL('./descriptor.worker.ts', import.meta.url).
import { expose } from 'comlink';
import { createDescriptorApi } from './descriptor-api';

expose(createDescriptorApi());
