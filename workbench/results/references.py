"""Published AUCs to draw beside a data set's runs (REFERENCES.md says where each comes from)."""

from __future__ import annotations

# REFERENCES.md: {data set: {series: {training rows: AUC}}}; None is the whole training part.
REFERENCE_AUC = {
    # The seed protocol's whole test split (4,128 rows); all = the 80 % training part.
    "california-housing": {
        "logistic regression": {16: 0.783, 64: 0.857, 256: 0.896, 1024: 0.904, None: 0.908},
        "XGBoost": {16: 0.676, 64: 0.819, 256: 0.894, 1024: 0.928, None: 0.965},
        # TabLLM (Hegselmann et al., 2023, supplement Table 12): T0-11B fine-tuned with T-Few,
        # Text serialization, mean of 5 seeds on its own 80/20 split.
        "TabLLM (T0-11B)": {0: 0.61, 4: 0.63, 8: 0.60, 16: 0.70, 32: 0.77, 64: 0.77, 128: 0.81,
                            256: 0.83, 512: 0.86, None: 0.95},
    },
    "adult-income": {  # TabLLM's supplement, Table 14
        "TabLLM (T0-11B)": {0: 0.84, 4: 0.84, 16: 0.84, 64: 0.84, 256: 0.87, None: 0.92},
        "XGBoost (TabLLM paper)": {4: 0.50, 16: 0.77, 64: 0.82, 256: 0.87, None: 0.93},
    },
    # TALLRec (Bao et al., 2023), LLaMA-7B + LoRA and sequential recommenders, K samples,
    # each on TALLRec's own test file.
    "tallrec-book": {
        "TALLRec (LLaMA-7B)": {16: 0.5636, 64: 0.6039, 256: 0.6438},
        "GRU4Rec": {16: 0.4895, 64: 0.4964, 256: 0.4986},
        "SASRec": {16: 0.4948, 64: 0.5006, 256: 0.5020},
    },
    "tallrec-movie": {
        "TALLRec (LLaMA-7B)": {16: 0.6724, 64: 0.6748, 256: 0.7198},
        "GRU4Rec": {16: 0.4907, 64: 0.4987, 256: 0.5289},
        "SASRec": {16: 0.5043, 64: 0.5048, 256: 0.5225},
    },
}
REFERENCE_ALL_ROWS = {"california-housing": 16_512, "adult-income": 39_073}
REFERENCE_NOTES = {
    "california-housing": "baselines scored on the whole test split of 4,128 rows; TabLLM as "
                          "its paper reports it, on its own 80/20 split",
    "adult-income": "TabLLM's paper, on its own 80/20 split",
    "tallrec-book": "TALLRec's paper, scored on its book test file (2,427 rows)",
    "tallrec-movie": "TALLRec's paper, scored on its movie test file (1,000 rows)",
}
