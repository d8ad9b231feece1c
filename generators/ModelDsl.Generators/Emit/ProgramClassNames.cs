using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>
    /// The names of a model's nested program classes: <c>TrainCpu</c>, <c>InferGpu</c>… unless the model class itself has one
    /// of those names (a nested type cannot be named like its enclosing class); then every one ends in <c>Program</c>
    /// (<c>TrainCpuProgram</c>), which the model's name then cannot equal.
    /// </summary>
    internal readonly struct ProgramClassNames
    {
        private static readonly ProgramKind[] AllKinds = { ProgramKind.Train, ProgramKind.Infer, ProgramKind.Step };

        private readonly string suffix;

        public ProgramClassNames(string modelClassName)
        {
            suffix = "";
            foreach (var kind in AllKinds)
            {
                if (modelClassName == kind + "Cpu" || modelClassName == kind + "Gpu")
                {
                    suffix = "Program";
                }
            }
        }

        public string Cpu(ProgramKind kind) => kind + "Cpu" + suffix;

        public string Gpu(ProgramKind kind) => kind + "Gpu" + suffix;
    }
}
