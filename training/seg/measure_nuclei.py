"""Nucleus sizes per data set (equivalent diameter of 4-connected mask components >= 20 px),
the measurement behind the working-scale choice in docs/SEGMENTATION.md.
Usage: /usr/bin/python3 training/seg/measure_nuclei.py  (run from the repository root)"""
import numpy as np, glob, os
from PIL import Image
from collections import deque
def comps(m):
    H,W=m.shape; lab=np.zeros(m.shape,np.int32); n=0; areas=[]
    ys,xs=np.nonzero(m)
    for y,x in zip(ys,xs):
        if lab[y,x]: continue
        n+=1; q=deque([(y,x)]); lab[y,x]=n; a=0
        while q:
            cy,cx=q.popleft(); a+=1
            for dy,dx in ((1,0),(-1,0),(0,1),(0,-1)):
                ny,nx=cy+dy,cx+dx
                if 0<=ny<H and 0<=nx<W and m[ny,nx] and not lab[ny,nx]:
                    lab[ny,nx]=n; q.append((ny,nx))
        areas.append(a)
    return areas
import os
D=os.environ.get('PAPLENS_DATA', '../shared/data') + '/'
for name,pat in [('herlev',D+'herlev-sd/masks/*.png'),('synth',D+'isbi2014/synthetic/masks/*.png'),('edf',D+'isbi2014/edf/masks/*.png')]:
    ds=[]; sizes=set()
    for f in sorted(glob.glob(pat)):
        m=np.array(Image.open(f).convert('L'))>127; sizes.add(m.shape)
        a=[x for x in comps(m) if x>=20]
        ds+= [2*np.sqrt(x/np.pi) for x in a]
    ds=np.array(ds); print(name, sizes if len(sizes)<4 else len(sizes), len(ds), 'eqdiam pct 10/25/50/75/90', np.percentile(ds,[10,25,50,75,90]).round(1))
