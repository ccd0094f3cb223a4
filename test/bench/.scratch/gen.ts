import { ensureBenchImages, tinyPng } from '../images.ts';
import sharp from 'sharp';
const imgs = await ensureBenchImages();
const sizes = imgs.map(i => i.bytes).sort((a,b)=>a-b);
console.log(sizes[0], sizes[Math.floor(sizes.length/2)], sizes[sizes.length-5], sizes.slice(-4));
const byFmt: Record<string, number[]> = {}; for (const i of imgs) (byFmt[i.format] ??= []).push(i.bytes);
for (const [f, s] of Object.entries(byFmt)) console.log(f, s.length, Math.min(...s), Math.max(...s));
const t = tinyPng(12345); console.log(t.length, await sharp(t).metadata().then(m=>[m.width,m.format]));
