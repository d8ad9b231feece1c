namespace ModelDsl.Checkpoints;

/// <summary>A checkpoint file is malformed or holds something this library cannot load; the message says what and where.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string message) : base(message) { }

    public CheckpointFormatException(string message, Exception innerException) : base(message, innerException) { }
}
