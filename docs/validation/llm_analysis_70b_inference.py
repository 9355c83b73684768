"""Inference of Llama 2 70B on A100-80GB SXM with llm-analysis 0.2.2, tensor parallel over 4 and 8
GPUs, batch 1 and 32, a 1,000-token prompt and 250 generated tokens, at the serving workbook's
efficiencies (mfu 0.5, mbu 0.6), with llm-analysis's own Llama 2 70B config (upstage_Llama-2-70b-instruct-v2).
Run: python3 docs/validation/llm_analysis_70b_inference.py"""
import json
from llm_analysis.analysis import infer

config = "upstage_Llama-2-70b-instruct-v2"
for tp in (4, 8):
    for batch in (1, 32):
        s = infer(
            model_name=config, gpu_name="a100-sxm-80gb", dtype_name="w16a16e16", log_level="ERROR",
            batch_size_per_gpu=batch, tp_size=tp, seq_len=1000, num_tokens_to_generate=250,
            flops_efficiency=0.5, hbm_memory_efficiency=0.6,
        )
        keys = ["num_params_total", "prefill_latency", "decode_latency", "total_decode_latency", "total_latency",
                "weight_memory_per_gpu", "kv_cache_memory_per_gpu", "decode_tokens_per_sec"]
        print(json.dumps({"tp": tp, "batch": batch, **{k: s.get(k) for k in keys}}))
