"""The task metrics (analysis.tasks) on synthetic choices with known answers (fast)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.tasks import rescorla_wagner_fit, reversal_metrics


def simulate_rw(alpha, beta, n=400, seed=0, p=(0.8, 0.2), reverse_every=50):
    rng = np.random.default_rng(seed)
    q = np.array([0.5, 0.5])
    probs = np.array(p)
    choices, rewards, correct, block = [], [], [], []
    for k in range(n):
        if k and k % reverse_every == 0:
            probs = probs[::-1]
        p1 = 1 / (1 + np.exp(-beta * (q[1] - q[0])))
        c = int(rng.random() < p1)
        r = int(rng.random() < probs[c])
        q[c] += alpha * (r - q[c])
        choices.append(c)
        rewards.append(r)
        correct.append(int(c == int(np.argmax(probs))))
        block.append(k // reverse_every)
    return np.array(choices), np.array(rewards), np.array(correct), np.array(block)


def test_rescorla_wagner_fit_recovers_alpha_and_beta():
    c, r, _, _ = simulate_rw(0.3, 8.0, n=600, seed=1)
    fit = rescorla_wagner_fit(c, r)
    assert abs(fit["alpha"] - 0.3) < 0.12
    assert 5.0 < fit["beta"] < 12.0
    assert fit["pseudo_r2"] > 0.2


def test_random_choices_fit_no_learning():
    rng = np.random.default_rng(2)
    fit = rescorla_wagner_fit(rng.integers(0, 2, 300), rng.integers(0, 2, 300))
    # alpha and beta trade off when nothing is learned: only the likelihood is meaningful
    assert fit["pseudo_r2"] < 0.03


def test_reversal_metrics_on_a_known_sequence():
    # block 0: 8 correct (criterion); block 1: 3 perseverative errors, then 8 correct
    correct = [1] * 8 + [0, 0, 0] + [1] * 8
    choice = [0] * 8 + [0, 0, 0] + [1] * 8
    reward = [1, 1, 0, 1, 1, 1, 1, 1] + [0, 0, 1] + [1, 0, 1, 1, 1, 1, 1, 1]
    block = [0] * 8 + [1] * 11
    reversed_after = [0] * 7 + [1] + [0] * 10 + [1]
    df = pd.DataFrame({"choice": choice, "reward": reward, "correct": correct,
                       "block": block, "reversed_after": reversed_after})
    m = reversal_metrics(df, criterion=8)
    assert m["n_reversals"] == 2
    assert m["blocks"][0]["trials_to_criterion"] == 8
    assert m["blocks"][1]["trials_to_criterion"] == 11
    assert m["perseverative_errors"] == 3
    assert m["accuracy_first_block"] == 1.0
    # 14 rewarded trials before the last: the choice stayed after 13; it never switched
    # after the 4 unrewarded ones
    assert abs(m["win_stay"] - 13 / 14) < 1e-9
    assert m["lose_shift"] == 0.0


def test_simulated_learner_reverses():
    c, r, correct, block = simulate_rw(0.4, 10.0, n=200, seed=3, reverse_every=50)
    df = pd.DataFrame({"choice": c, "reward": r, "correct": correct, "block": block,
                       "reversed_after": np.r_[np.diff(block), 0]})
    m = reversal_metrics(df, criterion=8)
    assert m["accuracy_after_first_reversal"] > 0.7
