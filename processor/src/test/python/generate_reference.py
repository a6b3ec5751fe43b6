#!/usr/bin/python3
"""Generates the PyTorch reference data that Kiln's parity tests compare against.

Each case is a small @Model class (its Java source is part of the case) and the equivalent PyTorch
module, trained for a few steps exactly as a user would in float32 on the CPU. The script writes one
JSON file per case to processor/src/test/resources/reference/ plus index.json listing them, and the
seed tutorial's printed output to examples/src/test/resources/seed-expected.txt.

Run from anywhere with PyTorch 1.13.1:  /usr/bin/python3 processor/src/test/python/generate_reference.py

JSON conventions (also in README.md): tensors are flat row-major lists; every float is a float32
value written as the shortest repr of that value as a Python float (a double), so parsing it as a
double and casting to float gives the float32 exactly. Non-finite floats are the strings "NaN",
"Infinity" and "-Infinity". A step's or the eval's arrays may hold more rows than its "n": only the
first n rows are used, as Kiln's API reads only the first n rows of the arrays it is given.
"""

import json
import math
import os
from dataclasses import dataclass, field
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
REFERENCE_DIR = os.path.join(ROOT, "processor", "src", "test", "resources", "reference")
SEED_EXPECTED = os.path.join(ROOT, "examples", "src", "test", "resources", "seed-expected.txt")

# Data come from their own generator so that they never disturb the global one the layers use.
DATA_SEED = 20240601


# ---------------------------------------------------------------------------------------------
# Case descriptions


@dataclass
class Layer:
    field: str
    inputs: int
    outputs: int
    bias: bool = True
    activation: Optional[str] = None  # relu, leaky_relu, tanh, sigmoid, gelu, gelu_tanh, silu
    negative_slope: float = 0.01
    dropout: Optional[float] = None


@dataclass
class Loss:
    label_smoothing: float = 0.0
    weight: Optional[List[float]] = None
    ignore_index: int = -100
    reduction: str = "mean"
    annotated: bool = True  # False: the class has no @Loss, which must mean the defaults


@dataclass
class Optimizer:
    kind: str  # sgd, adam, adamw
    args: dict = field(default_factory=dict)  # only non-default values; these go into the annotation


@dataclass
class Batch:
    n: int
    x: torch.Tensor  # [rows >= n, inputs]
    labels: Optional[torch.Tensor] = None  # [rows] int64
    targets: Optional[torch.Tensor] = None  # [rows, classes] float32


@dataclass
class Case:
    name: str
    description: str
    layers: List[Layer]
    loss: Loss
    optimizer: Optimizer
    seed: int
    steps: List[Batch]
    eval: Batch

    @property
    def inputs(self):
        return self.layers[0].inputs

    @property
    def classes(self):
        return self.layers[-1].outputs


# ---------------------------------------------------------------------------------------------
# The Java source of a case


def java_double(value):
    text = repr(float(value))
    if not math.isfinite(value):
        raise ValueError("annotation values must be finite: %r" % value)
    return text


ACTIVATION_ANNOTATIONS = {
    "relu": "@Relu",
    "tanh": "@Tanh",
    "sigmoid": "@Sigmoid",
    "gelu": "@Gelu",
    "gelu_tanh": "@Gelu(approximate = Gelu.Approximate.TANH)",
    "silu": "@Silu",
}

OPTIMIZER_ANNOTATIONS = {"sgd": "Sgd", "adam": "Adam", "adamw": "AdamW"}

# Annotation attribute names, from the PyTorch argument names used in Optimizer.args.
OPTIMIZER_ATTRIBUTES = {
    "lr": "lr",
    "momentum": "momentum",
    "dampening": "dampening",
    "weight_decay": "weightDecay",
    "nesterov": "nesterov",
    "beta1": "beta1",
    "beta2": "beta2",
    "eps": "eps",
    "amsgrad": "amsgrad",
}


def annotation(name, attributes):
    if not attributes:
        return "@" + name
    return "@%s(%s)" % (name, ", ".join("%s = %s" % item for item in attributes))


def java_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return java_double(value)


def optimizer_annotation(optimizer):
    return annotation(OPTIMIZER_ANNOTATIONS[optimizer.kind],
                      [(OPTIMIZER_ATTRIBUTES[k], java_value(v)) for k, v in optimizer.args.items()])


def java_source(case):
    lines = ["package ref;", "", "import dev.kiln.*;", "", "/** %s */" % case.description, "@Model"]
    loss = case.loss
    if loss.annotated:
        attributes = []
        if loss.label_smoothing != 0.0:
            attributes.append(("labelSmoothing", java_double(loss.label_smoothing)))
        if loss.weight is not None:
            attributes.append(("weight", "{" + ", ".join(java_double(w) for w in loss.weight) + "}"))
        if loss.ignore_index != -100:
            attributes.append(("ignoreIndex", str(loss.ignore_index)))
        if loss.reduction != "mean":
            attributes.append(("reduction", "Reduction." + loss.reduction.upper()))
        lines.append(annotation("Loss", attributes))
    lines.append(optimizer_annotation(case.optimizer))
    lines.append("public class %s {" % case.name)
    for index, layer in enumerate(case.layers):
        if index:
            lines.append("")
        linear = [("in", str(layer.inputs)), ("out", str(layer.outputs))]
        if not layer.bias:
            linear.append(("bias", "false"))
        lines.append("    " + annotation("Linear", linear))
        if layer.activation == "leaky_relu":
            lines.append("    " + annotation("LeakyRelu", [("negativeSlope", java_double(layer.negative_slope))]))
        elif layer.activation is not None:
            lines.append("    " + ACTIVATION_ANNOTATIONS[layer.activation])
        if layer.dropout is not None:
            lines.append("    " + annotation("Dropout", [("p", java_double(layer.dropout))]))
        lines.append("    Layer %s;" % layer.field)
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The equivalent PyTorch module


class Net(nn.Module):
    """Linear layers as attributes named like the Java fields, built in field order."""

    def __init__(self, layers):
        super().__init__()
        self.specs = layers
        for layer in layers:
            setattr(self, layer.field, nn.Linear(layer.inputs, layer.outputs, bias=layer.bias))
        self.dropouts = nn.ModuleList(
            [nn.Dropout(layer.dropout if layer.dropout is not None else 0.0) for layer in layers])

    def forward(self, x):
        for layer, dropout in zip(self.specs, self.dropouts):
            x = getattr(self, layer.field)(x)
            a = layer.activation
            if a == "relu":
                x = F.relu(x)
            elif a == "leaky_relu":
                x = F.leaky_relu(x, layer.negative_slope)
            elif a == "tanh":
                x = torch.tanh(x)
            elif a == "sigmoid":
                x = torch.sigmoid(x)
            elif a == "gelu":
                x = F.gelu(x, approximate="none")
            elif a == "gelu_tanh":
                x = F.gelu(x, approximate="tanh")
            elif a == "silu":
                x = F.silu(x)
            elif a is not None:
                raise ValueError(a)
            if layer.dropout is not None:
                x = dropout(x)
        return x


def criterion(loss, reduction=None):
    weight = torch.tensor(loss.weight, dtype=torch.get_default_dtype()) if loss.weight is not None else None
    return nn.CrossEntropyLoss(weight=weight, ignore_index=loss.ignore_index,
                               reduction=reduction or loss.reduction, label_smoothing=loss.label_smoothing)


def optimizer_for(case, parameters):
    args = dict(case.optimizer.args)
    if case.optimizer.kind == "sgd":
        return torch.optim.SGD(parameters, **args)
    betas = (args.pop("beta1", 0.9), args.pop("beta2", 0.999))
    if case.optimizer.kind == "adam":
        return torch.optim.Adam(parameters, betas=betas, **args)
    return torch.optim.AdamW(parameters, betas=betas, **args)


# ---------------------------------------------------------------------------------------------
# Running a case


def floats(tensor):
    return [encode_float(v) for v in tensor.detach().reshape(-1).tolist()]


def encode_float(value):
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def parameters(model):
    return {name: floats(p) for name, p in model.state_dict().items()}


def batch_json(batch):
    out = {"n": batch.n, "x": floats(batch.x)}
    if batch.labels is not None:
        out["labels"] = batch.labels.tolist()
    if batch.targets is not None:
        out["targets"] = floats(batch.targets)
    return out


def run(case):
    torch.manual_seed(case.seed)
    model = Net(case.layers)
    initial = parameters(model)
    optimizer = optimizer_for(case, model.parameters())
    train_loss = criterion(case.loss)
    losses = []
    model.train()
    for batch in case.steps:
        optimizer.zero_grad()
        logits = model(batch.x[:batch.n])
        target = batch.labels if batch.labels is not None else batch.targets
        loss = train_loss(logits, target[:batch.n])
        loss.backward()
        optimizer.step()
        losses.append(encode_float(loss.item()))
    final = parameters(model)

    model.eval()
    e = case.eval
    with torch.no_grad():
        logits = model(e.x[:e.n])
        labels = e.labels[:e.n]
        evaluation = batch_json(e)
        evaluation.update({
            "logits": floats(logits),
            "loss": encode_float(criterion(case.loss)(logits, labels).item()),
            "losses": floats(criterion(case.loss, "none")(logits, labels)),
            "predictions": torch.argmax(logits, dim=1).tolist(),
        })
    return {
        "name": case.name,
        "description": case.description,
        "className": "ref." + case.name,
        "source": java_source(case),
        "seed": case.seed,
        "inputs": case.inputs,
        "classes": case.classes,
        "initialParameters": initial,
        "steps": [batch_json(b) for b in case.steps],
        "losses": losses,
        "finalParameters": final,
        "eval": evaluation,
    }


# ---------------------------------------------------------------------------------------------
# The tolerance check: PyTorch's own float32 error must be well inside the tolerance of the parity
# test, so that an equally accurate float32 implementation passes whatever its summation order.

RELATIVE_TOLERANCE = 1e-5  # as PyTorchParityTest
ABSOLUTE_TOLERANCE = 1e-6


def float64_replay(case, initial):
    """The case trained in float64 from the same float32 initial parameters."""
    torch.set_default_dtype(torch.float64)
    try:
        model = Net(case.layers)
        model.load_state_dict({k: torch.tensor(v).reshape(p.shape) for (k, v), p
                               in zip(initial.items(), model.state_dict().values())})
        optimizer = optimizer_for(case, model.parameters())
        losses = []
        for batch in case.steps:
            optimizer.zero_grad()
            target = batch.labels if batch.labels is not None else batch.targets.double()
            loss = criterion(case.loss)(model(batch.x[:batch.n].double()), target[:batch.n])
            loss.backward()
            optimizer.step()
            losses.append(encode_float(loss.item()))
        model.eval()
        with torch.no_grad():
            e = case.eval
            logits = model(e.x[:e.n].double())
            labels = e.labels[:e.n]
            return {"losses": losses,
                    "finalParameters": parameters(model),
                    "logits": floats(logits),
                    "loss": [encode_float(criterion(case.loss)(logits, labels).item())],
                    "lossesNone": floats(criterion(case.loss, "none")(logits, labels))}
    finally:
        torch.set_default_dtype(torch.float32)


def float32_error(case, data):
    """The largest |float32 - float64| of any compared value, as a fraction of its tolerance."""
    exact = float64_replay(case, data["initialParameters"])
    e = data["eval"]
    pairs = [(data["losses"], exact["losses"]), (e["logits"], exact["logits"]), ([e["loss"]], exact["loss"]),
             (e["losses"], exact["lossesNone"])]
    pairs += [(data["finalParameters"][k], v) for k, v in exact["finalParameters"].items()]
    worst = 0.0
    for float32, float64 in pairs:
        for a, b in zip(float32, float64):
            if isinstance(b, str) or isinstance(a, str):
                if a != b:
                    raise AssertionError("%s: float32 %r, float64 %r" % (case.name, a, b))
                continue
            worst = max(worst, abs(a - b) / (RELATIVE_TOLERANCE * abs(b) + ABSOLUTE_TOLERANCE))
    return worst


# ---------------------------------------------------------------------------------------------
# Data


class Data:
    def __init__(self, seed):
        self.generator = torch.Generator().manual_seed(seed)

    def x(self, rows, inputs, scale=1.0, zero_fraction=0.0):
        """Inputs on a 1/16 grid (short, exact decimals). With zero_fraction, that fraction of the
        values and the whole first row are exactly 0."""
        x = torch.round(torch.randn(rows, inputs, generator=self.generator) * 16 * scale) / 16
        if zero_fraction:
            x[torch.rand(rows, inputs, generator=self.generator) < zero_fraction] = 0.0
            x[0] = 0.0
        return x

    def labels(self, x, classes, replace=None, fraction=0.0):
        """Labels a random linear teacher gives x (so that they are learnable and predictions vary),
        a fraction of them set to `replace` (an ignore index)."""
        rows, inputs = x.shape
        teacher = torch.randn(inputs, classes, generator=self.generator)
        noise = torch.randn(rows, classes, generator=self.generator) * 0.5
        labels = torch.argmax(x / x.abs().max().clamp(min=1) @ teacher + noise, dim=1)
        if replace is not None:
            labels[torch.rand(rows, generator=self.generator) < fraction] = replace
        return labels

    def targets(self, rows, classes, normalized=True):
        t = torch.rand(rows, classes, generator=self.generator)
        return t / t.sum(dim=1, keepdim=True) if normalized else t * 2

    def batch(self, n, inputs, classes, rows=None, scale=1.0, zero_fraction=0.0, ignore=None,
              ignore_fraction=0.0):
        x = self.x(rows or n, inputs, scale, zero_fraction)
        return Batch(n, x, labels=self.labels(x, classes, ignore, ignore_fraction))

    def target_batch(self, n, inputs, classes, normalized=True):
        return Batch(n, self.x(n, inputs), targets=self.targets(n, classes, normalized))


def mlp(sizes, activation=None, **hidden):
    """Layers fc1..fcK for sizes [in, h1, ..., out]; the activation goes on every layer but the last."""
    layers = []
    for i in range(len(sizes) - 1):
        last = i == len(sizes) - 2
        layers.append(Layer("fc%d" % (i + 1), sizes[i], sizes[i + 1],
                            activation=None if last else activation, **({} if last else hidden)))
    return layers


def cases():
    d = Data(DATA_SEED)
    out = []

    def labelled(name, description, layers, loss, optimizer, seed, n=8, steps=3, ignore=None,
                 ignore_fraction=0.0, scale=1.0, zero_fraction=0.0, eval_n=8):
        i, c = layers[0].inputs, layers[-1].outputs
        out.append(Case(name, description, layers, loss, optimizer, seed,
                        [d.batch(n, i, c, scale=scale, zero_fraction=zero_fraction, ignore=ignore,
                                 ignore_fraction=ignore_fraction) for _ in range(steps)],
                        d.batch(eval_n, i, c, scale=scale, zero_fraction=zero_fraction, ignore=ignore,
                                ignore_fraction=ignore_fraction)))

    # The tutorial Kiln grew from (shared/seed/label-smoothing-in-pytorch.txt).
    tutorial_x = torch.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    tutorial_y = torch.tensor([2, 0, 1])
    out.append(Case("SeedTutorial",
                    "The label-smoothing tutorial: Linear(3, 3), smoothing 0.1, SGD lr 0.1, 5 epochs.",
                    [Layer("fc", 3, 3)], Loss(label_smoothing=0.1), Optimizer("sgd", {"lr": 0.1}), 0,
                    [Batch(3, tutorial_x, labels=tutorial_y) for _ in range(5)],
                    Batch(3, tutorial_x, labels=tutorial_y)))

    # Activations, each in a small MLP.
    sgd = Optimizer("sgd", {"lr": 0.1, "momentum": 0.9})
    adam = Optimizer("adam", {"lr": 0.01})
    relu_layers = mlp([6, 12, 10, 4], "relu")
    relu_layers[0].bias = False  # a zero input row then gives pre-activations of exactly 0
    labelled("ReluMlp", "ReLU, bias-free first layer, inputs with exact zeros and a zero row (ReLU at 0).",
             relu_layers, Loss(), sgd, 1, zero_fraction=0.4)
    labelled("LeakyReluMlp", "LeakyReLU with slope 0.2, inputs with exact zeros and a zero row.",
             mlp([6, 12, 10, 4], "leaky_relu", negative_slope=0.2), Loss(), adam, 2, zero_fraction=0.3)
    labelled("LeakyReluDefaultSlope", "LeakyReLU with the default slope 0.01.",
             mlp([5, 9, 3], "leaky_relu"), Loss(), sgd, 3)
    labelled("TanhMlp", "Tanh in a three-layer MLP.", mlp([6, 12, 10, 4], "tanh"), Loss(), sgd, 4)
    labelled("SigmoidMlp", "Sigmoid in a three-layer MLP.", mlp([6, 12, 10, 4], "sigmoid"), Loss(), adam, 5)
    labelled("GeluMlp", "Exact (erf) GELU, inputs scaled by 3 to reach GELU's tails.",
             mlp([6, 12, 10, 4], "gelu"), Loss(), sgd, 6, scale=3.0)
    labelled("GeluTanhMlp", "Tanh-approximated GELU, inputs scaled by 3.",
             mlp([6, 12, 10, 4], "gelu_tanh"), Loss(), adam, 7, scale=3.0)
    labelled("SiluMlp", "SiLU in a three-layer MLP.", mlp([6, 12, 10, 4], "silu"), Loss(), sgd, 8)
    mixed = [Layer("input", 7, 10, activation="gelu"), Layer("middle", 10, 9, activation="tanh"),
             Layer("squeeze", 9, 8, activation="leaky_relu", negative_slope=0.05),
             Layer("classifier", 8, 5)]
    labelled("MixedActivations", "Four layers with different activations and field names.",
             mixed, Loss(label_smoothing=0.05), Optimizer("adamw", {"lr": 0.005}), 9)
    labelled("ZeroDropout", "@Dropout(p = 0.0) on every hidden layer must equal no dropout.",
             mlp([6, 12, 10, 4], "relu", dropout=0.0), Loss(), sgd, 10)

    # Cross-entropy variants.
    labelled("DefaultLoss", "No @Loss annotation: nn.CrossEntropyLoss() defaults.",
             mlp([5, 8, 4], "relu"), Loss(annotated=False), Optimizer("sgd", {"lr": 0.5}), 11)
    labelled("NoSmoothing", "Explicit label smoothing 0 (the plain class-index path).",
             mlp([5, 8, 4], "tanh"), Loss(), Optimizer("sgd", {"lr": 0.5}), 12)
    labelled("FullSmoothing", "Label smoothing 1.0: the target is uniform.",
             mlp([5, 8, 4], "tanh"), Loss(label_smoothing=1.0), Optimizer("sgd", {"lr": 0.5}), 13)
    weights = [0.5, 2.0, 1.0, 3.0]
    labelled("ClassWeights", "Class weights, mean reduction divides by the weight sum.",
             mlp([5, 8, 4], "relu"), Loss(weight=weights), Optimizer("sgd", {"lr": 0.3}), 14)
    labelled("ClassWeightsSmoothing", "Class weights with label smoothing 0.2 (weights scale the smoothing term).",
             mlp([5, 8, 4], "relu"), Loss(label_smoothing=0.2, weight=weights), Optimizer("sgd", {"lr": 0.3}), 15)
    labelled("IgnoreDefault", "Default ignore index -100 with some labels -100.",
             mlp([5, 8, 4], "relu"), Loss(), Optimizer("sgd", {"lr": 0.3}), 16, n=12,
             ignore=-100, ignore_fraction=0.3, eval_n=12)
    labelled("IgnoreDefaultSmoothingWeights", "Ignore index -100 with label smoothing and class weights.",
             mlp([5, 8, 4], "relu"), Loss(label_smoothing=0.1, weight=weights), Optimizer("sgd", {"lr": 0.3}), 17,
             n=12, ignore=-100, ignore_fraction=0.3, eval_n=12)
    labelled("IgnoreInRange", "ignoreIndex = 1, a valid class: rows labelled 1 vanish.",
             mlp([5, 8, 4], "relu"), Loss(ignore_index=1), Optimizer("sgd", {"lr": 0.3}), 18, n=12, eval_n=12)
    labelled("IgnoreInRangeSmoothing", "ignoreIndex = 1 with label smoothing 0.1.",
             mlp([5, 8, 4], "relu"), Loss(label_smoothing=0.1, ignore_index=1), Optimizer("sgd", {"lr": 0.3}), 19,
             n=12, eval_n=12)
    labelled("IgnoreInRangeSmoothingWeights", "ignoreIndex = 2 with label smoothing 0.3 and class weights.",
             mlp([5, 8, 4], "relu"), Loss(label_smoothing=0.3, weight=weights, ignore_index=2),
             Optimizer("sgd", {"lr": 0.3}), 20, n=12, eval_n=12)
    labelled("SumReduction", "Reduction SUM.", mlp([5, 8, 4], "relu"), Loss(reduction="sum"),
             Optimizer("sgd", {"lr": 0.05}), 21)
    labelled("SumReductionEverything", "Reduction SUM with smoothing, weights and ignored rows.",
             mlp([5, 8, 4], "relu"), Loss(label_smoothing=0.15, weight=weights, reduction="sum"),
             Optimizer("sgd", {"lr": 0.05}), 22, n=12, ignore=-100, ignore_fraction=0.3, eval_n=12)
    labelled("MeanReductionEverything", "Reduction MEAN with smoothing, weights and ignored rows.",
             mlp([5, 8, 4], "relu"), Loss(label_smoothing=0.15, weight=weights),
             Optimizer("sgd", {"lr": 0.05}), 23, n=12, ignore=-100, ignore_fraction=0.3, eval_n=12)

    # Batches in which every row is ignored: mean gives NaN, sum 0, and all gradients are 0, yet the
    # optimizer still steps (weight decay and momentum move the parameters).
    def all_ignored(name, description, loss, optimizer, seed, ignore):
        layers = mlp([4, 6, 3], "relu")
        batches = [d.batch(6, 4, 3), d.batch(6, 4, 3, ignore=ignore, ignore_fraction=1.1), d.batch(6, 4, 3)]
        out.append(Case(name, description, layers, loss, optimizer, seed, batches,
                        d.batch(5, 4, 3, ignore=ignore, ignore_fraction=1.1)))

    all_ignored("AllIgnoredMean", "Step 2 and the eval batch have only ignored rows: mean loss is NaN.",
                Loss(), Optimizer("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}), 24, -100)
    all_ignored("AllIgnoredSmoothingWeights", "All rows ignored (ignoreIndex 0) with smoothing and weights: NaN.",
                Loss(label_smoothing=0.1, weight=[1.0, 2.0, 0.5], ignore_index=0),
                Optimizer("adam", {"lr": 0.01}), 25, 0)
    all_ignored("AllIgnoredSum", "All rows ignored with reduction SUM: the loss is 0.",
                Loss(reduction="sum", label_smoothing=0.1), Optimizer("adamw", {"lr": 0.01}), 26, -100)

    # Probability targets.
    def probabilities(name, description, loss, seed, normalized=True, steps=3, n=8):
        layers = mlp([5, 8, 4], "relu")
        out.append(Case(name, description, layers, loss, Optimizer("sgd", {"lr": 0.2}), seed,
                        [d.target_batch(n, 5, 4, normalized) for _ in range(steps)], d.batch(8, 5, 4)))

    probabilities("ProbabilityTargets", "Probability targets, mean over rows.", Loss(), 27)
    probabilities("ProbabilityTargetsSmoothing", "Probability targets with label smoothing 0.2.",
                  Loss(label_smoothing=0.2), 28)
    probabilities("ProbabilityTargetsWeights", "Probability targets with class weights (mean still divides by N).",
                  Loss(weight=weights), 29)
    probabilities("ProbabilityTargetsSum", "Probability targets, SUM, with smoothing and weights.",
                  Loss(label_smoothing=0.1, weight=weights, reduction="sum"), 30)
    probabilities("ProbabilityTargetsUnnormalized", "Probability target rows that do not sum to 1.",
                  Loss(label_smoothing=0.1), 31, normalized=False)
    layers = mlp([5, 8, 4], "silu")
    out.append(Case("MixedTargetForms", "Steps alternate between class labels and probability targets.",
                    layers, Loss(label_smoothing=0.1, weight=weights), Optimizer("adam", {"lr": 0.02}), 32,
                    [d.batch(8, 5, 4), d.target_batch(8, 5, 4), d.batch(6, 5, 4), d.target_batch(4, 5, 4)],
                    d.batch(8, 5, 4)))

    # Optimizers.
    layers = lambda: mlp([6, 10, 4], "tanh")
    sgd_variants = [
        ("SgdPlain", {"lr": 0.2}),
        ("SgdMomentum", {"lr": 0.1, "momentum": 0.9}),
        ("SgdDampening", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}),
        ("SgdNesterov", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        ("SgdWeightDecay", {"lr": 0.1, "weight_decay": 0.05}),
        ("SgdDampeningWeightDecay", {"lr": 0.1, "momentum": 0.7, "dampening": 0.5, "weight_decay": 0.02}),
        ("SgdNesterovWeightDecay", {"lr": 0.05, "momentum": 0.95, "nesterov": True, "weight_decay": 0.1}),
    ]
    for i, (name, args) in enumerate(sgd_variants):
        labelled(name, "Optimizer " + optimizer_annotation(Optimizer("sgd", args)) + ".", layers(), Loss(), Optimizer("sgd", args), 40 + i, steps=5)
    adam_variants = [
        ("AdamDefaults", "adam", {}),
        ("AdamLr", "adam", {"lr": 0.01}),
        ("AdamWeightDecay", "adam", {"lr": 0.01, "weight_decay": 0.1}),
        ("AdamAmsgrad", "adam", {"lr": 0.01, "amsgrad": True}),
        ("AdamCustom", "adam", {"lr": 0.02, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6, "weight_decay": 0.01,
                                "amsgrad": True}),
        ("AdamWDefaults", "adamw", {}),
        ("AdamWLr", "adamw", {"lr": 0.01}),
        ("AdamWAmsgrad", "adamw", {"lr": 0.01, "amsgrad": True}),
        ("AdamWCustom", "adamw", {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-5, "weight_decay": 0.3}),
        ("AdamWNoDecay", "adamw", {"lr": 0.01, "weight_decay": 0.0}),
    ]
    for i, (name, kind, args) in enumerate(adam_variants):
        labelled(name, "Optimizer " + optimizer_annotation(Optimizer(kind, args)) + ".", layers(), Loss(), Optimizer(kind, args),
                 50 + i, steps=5)

    # Shapes, seeds and batches.
    labelled("NoBias", "Every layer without bias.", [Layer("fc1", 6, 10, bias=False, activation="relu"), Layer("fc2", 10, 4, bias=False)], Loss(label_smoothing=0.1), adam, 60)
    labelled("OddSizes", "Sizes 37 -> 53 -> 11 that fit no vector width.", mlp([37, 53, 11], "gelu"),
             Loss(label_smoothing=0.1), Optimizer("adamw", {"lr": 0.003}), 61, n=13, steps=2, eval_n=7)
    labelled("BatchOfOne", "Batches of a single row.", mlp([6, 10, 4], "silu"), Loss(label_smoothing=0.1),
             Optimizer("sgd", {"lr": 0.1, "momentum": 0.5}), 62, n=1, steps=4, eval_n=1)
    labelled("LargeLogits", "Inputs of magnitude ~200: logits up to ~70 with gaps of tens between classes (log-softmax stability) (log-softmax stability).",
             [Layer("fc1", 4, 6), Layer("fc2", 6, 3)], Loss(label_smoothing=0.1),
             Optimizer("sgd", {"lr": 1e-4}), 63, scale=200.0)
    labelled("DeepNarrow", "Five layers of width 3.", mlp([3, 3, 3, 3, 3, 3], "tanh"), Loss(),
             Optimizer("adam", {"lr": 0.05}), 64)
    labelled("SingleLinear", "One layer, no hidden layers, many classes.", [Layer("linear", 8, 10)],
             Loss(), Optimizer("sgd", {"lr": 0.5}), 65)
    labelled("PyTorchDefaultSeed", "The seed of a fresh PyTorch process (Options.PYTORCH_DEFAULT_SEED).",
             mlp([5, 8, 4], "relu"), Loss(), Optimizer("sgd", {"lr": 0.1}), 67280421310721)
    labelled("NegativeSeed", "A negative seed: torch.manual_seed(-5) keeps its low 32 bits.",
             mlp([5, 8, 4], "relu"), Loss(), Optimizer("sgd", {"lr": 0.1}), -5)
    labelled("LargeSeed", "A seed above 2^32.", mlp([5, 8, 4], "relu"), Loss(), Optimizer("sgd", {"lr": 0.1}),
             2 ** 40 + 12345)

    # The same arrays, sized for 16 rows, with a different n at each step.
    rows = 16
    x = d.x(rows, 6)
    y = d.labels(x, 4)
    steps = [Batch(n, x, labels=y) for n in (16, 5, 11, 1, 16)]
    out.append(Case("VaryingBatchSize", "One 16-row array used with n = 16, 5, 11, 1, 16; eval on 9 of 16 rows.",
                    mlp([6, 10, 4], "relu"), Loss(label_smoothing=0.1), Optimizer("adam", {"lr": 0.01}), 70,
                    steps, Batch(9, x, labels=y)))

    # Many classes: rows longer than the loss's vectors (16 floats), so its vector paths run.
    many = 300
    many_weights = [0.5 + (c % 7) * 0.25 for c in range(many)]
    labelled("ManyClasses", "300 classes with label smoothing 0.1, class weights and ignored rows.",
             mlp([24, 40, many], "relu"), Loss(label_smoothing=0.1, weight=many_weights),
             Optimizer("sgd", {"lr": 0.3, "momentum": 0.9}), 71, n=20, ignore=-100, ignore_fraction=0.2,
             eval_n=20)
    out.append(Case("ManyClassesProbabilities", "300 classes, probability targets, label smoothing 0.1.",
                    mlp([24, 40, many], "tanh"), Loss(label_smoothing=0.1), Optimizer("sgd", {"lr": 0.2}), 72,
                    [d.target_batch(10, 24, many) for _ in range(3)], d.batch(10, 24, many)))
    return out


# ---------------------------------------------------------------------------------------------


def seed_tutorial_output():
    """The tutorial's own program, run verbatim except for torch.manual_seed(0)."""
    torch.manual_seed(0)
    inputs = torch.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([2, 0, 1])
    model = nn.Linear(3, 3)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    lines = []
    for epoch in range(5):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        lines.append(f"Epoch {epoch+1}, Loss: {loss.item():.4f}")
    with torch.no_grad():
        outputs = model(inputs)
        predicted = torch.argmax(outputs, dim=1)
        lines.append(f"Predicted classes: {predicted.tolist()}")
    return "\n".join(lines) + "\n"


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(REFERENCE_DIR, exist_ok=True)
    for stale in os.listdir(REFERENCE_DIR):
        if stale.endswith(".json"):
            os.remove(os.path.join(REFERENCE_DIR, stale))
    names = []
    total = 0
    worst = (0.0, None)
    for case in cases():
        data = run(case)
        worst = max(worst, (float32_error(case, data), case.name))
        text = json.dumps(data, allow_nan=False, separators=(",", ":")) + "\n"
        with open(os.path.join(REFERENCE_DIR, case.name + ".json"), "w") as f:
            f.write(text)
        names.append(case.name + ".json")
        total += len(text)
    index = {"generator": "processor/src/test/python/generate_reference.py", "torch": torch.__version__,
             "cases": names}
    with open(os.path.join(REFERENCE_DIR, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    os.makedirs(os.path.dirname(SEED_EXPECTED), exist_ok=True)
    with open(SEED_EXPECTED, "w") as f:
        f.write(seed_tutorial_output())
    print("%d cases, %d bytes in %s" % (len(names), total, REFERENCE_DIR))
    print("PyTorch's float32 error uses at most %.3f of the parity tolerance (%s)" % worst)
    if worst[0] > 0.5:
        raise SystemExit("a case is too close to float32 rounding for the parity tolerance: " + worst[1])


if __name__ == "__main__":
    main()
