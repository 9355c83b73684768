"""GPT-3 175B training on 1,024 A100-80GB with llm-analysis 0.2.2 (pip install llm-analysis==0.2.2):
the GPU-hours without and with full activation recomputation, and the FLOPs llm-analysis counts.
Run: python3 docs/validation/llm_analysis_gpt3.py"""
import json
from llm_analysis.analysis import train

for recompute in (0, 2):  # ActivationRecomputation: 0 none, 2 full
    summary = train(
        model_name="megatron-lm-175b", gpu_name="a100-sxm-80gb", dtype_name="w16a16e16",
        log_level="ERROR", seq_len=2048, global_batch_size=1536, total_num_tokens=300e9,
        tp_size=8, pp_size=16, total_num_gpus=1024, flops_efficiency=0.213,
        activation_recomputation=recompute,
    )
    keys = ["total_training_latency", "gpu_hours", "num_flops_total_per_micro_batch", "batch_size_per_gpu", "gradient_accumulation_steps", "num_params_total"]
    print(json.dumps({"activation_recomputation": recompute, **{k: summary.get(k) for k in keys}}))
