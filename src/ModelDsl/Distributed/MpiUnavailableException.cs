namespace ModelDsl.Distributed;

/// <summary>Data-parallel training was asked for (or the process was started by an MPI launcher) but no usable MPI library is there.</summary>
public sealed class MpiUnavailableException : Exception
{
    public MpiUnavailableException(string message) : base(message) { }
}
