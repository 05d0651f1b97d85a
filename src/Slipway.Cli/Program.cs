using Slipway.Cli.Commands;

return Cli.Run(args);
