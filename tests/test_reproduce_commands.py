"""The commands the pages show to run a spec again, and the file name of its download."""

import shlex

from workbench.cli import build_parser
from workbench.reproduce import reproduce_commands, spec_file_name
from workbench.specs import FinetuneSpec


def test_every_command_runs_the_spec_file_through_the_workbench_cli():
    commands = reproduce_commands("my spec.yaml", processes=4)
    assert set(commands) == {"CLI", "torchrun", "accelerate"}
    for line in commands.values():
        words = shlex.split(line)
        cli = words[words.index("-m") + 2:]  # what follows `-m workbench`
        arguments = build_parser().parse_args(cli)
        assert arguments.command == "run" and arguments.spec == "my spec.yaml" and arguments.force
    assert "--nproc_per_node=4" in commands["torchrun"]
    assert "--config_file assets/accelerate/ddp.yaml --num_processes 4" in commands["accelerate"]
    assert "--force" not in reproduce_commands("s.yaml", force=False)["CLI"]


def test_the_download_is_named_after_the_run():
    assert spec_file_name(FinetuneSpec(name="LoRA on California (r 8)!")) == "lora-on-california-r-8.yaml"
    assert spec_file_name(FinetuneSpec(name="🙂"), run_id="20260101-x") == "20260101-x.yaml"
