using System.CommandLine;
using Bert.MLNet.Cli.Commands;

var root = new RootCommand("bert-mlnet: BERT embeddings for .NET machine-learning pipelines.")
{
    TokenizeCommand.Create(),
    EmbedCommand.Create(),
    InspectCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
