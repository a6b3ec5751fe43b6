"""Reference learning-rate sequences from PyTorch 1.13.1 for dev.kiln.train.LearningRateScheduleTest.

Run from the repository root:
    python3 runtime/src/test/python/lr_schedules.py > runtime/src/test/resources/dev/kiln/train/lr_schedules.csv

Each row is the learning rate an optimizer step uses after `step` calls to scheduler.step(), read
from optimizer.param_groups[0]['lr'] (what training actually sees), printed with repr() so the
Java test parses back the exact double.
"""
import warnings

import torch

# Debian's python3-torch 1.13.1+dfsg reports its version as "1.13.0a0".
assert torch.__version__.startswith("1.13"), torch.__version__
warnings.filterwarnings("ignore")


def optimizer(lr):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def cases():
    opt = optimizer(0.1)
    yield "step_3_0.1", opt, torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.1), 13

    opt = optimizer(0.5)
    yield "step_1_0.9", opt, torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9), 30

    opt = optimizer(0.1)
    yield "cosine_10_0.001", opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001), 31

    opt = optimizer(0.01)
    yield "cosine_7_0", opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7), 15

    opt = optimizer(0.05)
    yield "linear_0.1_1_5", opt, torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=5), 10

    opt = optimizer(0.2)
    yield "linear_default", opt, torch.optim.lr_scheduler.LinearLR(opt), 8

    opt = optimizer(0.3)
    yield "linear_1_0.25_4", opt, torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.25, total_iters=4), 8

    opt = optimizer(0.1)
    warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, end_factor=1.0, total_iters=4)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=1e-4)
    yield "warmup_4_cosine_8", opt, torch.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[4]), 16

    opt = optimizer(0.1)
    warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2)
    steps = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.01)
    yield "warmup_2_step_cosine", opt, torch.optim.lr_scheduler.SequentialLR(opt, [warmup, steps, cosine], milestones=[3, 7]), 14


print("schedule,step,lr")
for name, opt, scheduler, count in cases():
    for step in range(count):
        print(f"{name},{step},{opt.param_groups[0]['lr']!r}")
        opt.step()
        scheduler.step()
