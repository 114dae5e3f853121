using System.CommandLine;
using Bert.MLNet.Cli.Commands;

RuntimeTelemetry.DisableUnlessSet();

var root = new RootCommand("bert-mlnet: BERT embeddings for ML.NET, and a model builder on them.")
{
    TokenizeCommand.Create(),
    EmbedCommand.Create(),
    InspectCommand.Create(),
    ModelsCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    IndexCommand.Create(),
    SearchCommand.Create(),
    ServeCommand.Create(),
    SiloCommand.Create(),
};

// Signals cancel the token each command is given (Interrupts), not the process: the work stops and cleans up.
using var interrupts = Interrupts.Install();
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, Interrupts.Token);
