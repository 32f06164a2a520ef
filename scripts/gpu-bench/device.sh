# Issue 13, item 4: the shipped pipeline on a real GPU through WebGPU (Dawn, the WebGPU of
# Chromium, in Node; Chromium itself cannot travel to the GPU machine). Built here by
# `npx tsx scripts/gpu-bench/build.ts`; run there from the repository root by the device tool
# with `carry: [".devdata/gpu-bench"]`. Everything it measures comes back under $OUT.
G=.devdata/gpu-bench
set -x
nvidia-smi -L; nproc; uptime
python3 -c "import lzma,shutil,sys
for s,d in (('$G/node.xz','/tmp/node'),('$G/dawn.node.xz','/tmp/dawn.node')):
    shutil.copyfileobj(lzma.open(s),open(d,'wb'))" || exit 1
chmod +x /tmp/node
# The Vulkan loader and GL vendor-neutral libraries NVIDIA's Vulkan driver needs (the device
# tool's README: unpacked into /, then ldconfig).
for f in $G/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
icd=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
[ -n "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
export XDG_RUNTIME_DIR=/tmp PAPLENS_TF_BACKEND=webgpu PAPLENS_DAWN=/tmp/dawn.node
export PAPLENS_SHARED=$PWD/$G/shared
P="/tmp/node $G/paplens.mjs"
F=$G/shared/data/cric/fields
DENSE=$F/abaafc46c2b0cecef1ddb0ba3202ae74.jpg
# Cold: a fresh process, models loaded, first analysis (shader compilation included).
timeout 120 $P analyze $DENSE --mode field --json $OUT/analyze-dense-webgpu.json 2>&1 | tee /tmp/cold.txt
grep -q 'backend webgpu' /tmp/cold.txt || exit 1
# Warm stages: 10 runs each after one cold run (STAGES=0: skipped).
[ "${STAGES:-1}" = 1 ] && timeout 150 $P bench --runs 10 --json $OUT/bench-stages-webgpu.json 2>&1
# The fields, a field's crops through the CNNs in batches (the default on a GPU) and one crop per
# call, interleaved (A B A B); AB=0: the default only, ROUNDS times.
if [ "${AB:-1}" = 1 ]; then
  for r in 1 2; do
    for b in 1 0; do
      PAPLENS_DEEP_BATCH=$b timeout 150 $P bench --fields $F --json $OUT/bench-fields-webgpu-batch$b-$r.json 2>&1
    done
  done
else
  for r in $(seq 1 ${ROUNDS:-3}); do
    timeout 150 $P bench --fields $F --json $OUT/bench-fields-webgpu-$r.json 2>&1
  done
fi
# PROFILE=1: the segmentation's network passes and post-processing steps, per field.
[ "${PROFILE:-0}" = 1 ] && timeout 120 /tmp/node $G/profile-segment.mjs $F/*.jpg 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv
uptime
