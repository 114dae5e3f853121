using System.CommandLine;
using Bert.MLNet.Cli.Commands;

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
};
return await root.Parse(args).InvokeAsync();
