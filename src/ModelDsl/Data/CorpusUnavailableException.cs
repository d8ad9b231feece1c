namespace ModelDsl.Data;

/// <summary>
/// A corpus could not be found, downloaded or verified. The message is one line, meant to be shown
/// to the user as it is (no stack trace needed), and says what to do instead.
/// </summary>
public sealed class CorpusUnavailableException : Exception
{
    public CorpusUnavailableException(string message) : base(message) { }

    public CorpusUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
