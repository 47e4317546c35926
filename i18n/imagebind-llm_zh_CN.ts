<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ConversationExport</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Exported from ImageBind-LLM on %1</source>
        <translation>导出自 ImageBind-LLM，%1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>ImageBind-LLM</source>
        <translation>ImageBind-LLM</translation>
    </message>
    <message>
        <source>Attached %1: `%2` (fusion weight %3)</source>
        <translation>附件（%1）：`%2`（融合权重 %3）</translation>
    </message>
    <message>
        <source>(stopped)</source>
        <translation>（已停止）</translation>
    </message>
    <message>
        <source>The conversation no longer exists.</source>
        <translation>该对话已不存在。</translation>
    </message>
    <message>
        <source>Cannot write %1 (%2); choose another folder.</source>
        <translation>无法写入 %1（%2）；请选择其他文件夹。</translation>
    </message>
</context>
<context>
    <name>ConversationStore</name>
    <message>
        <source>Cannot create the folder %1 for the conversations; check that it is writable.</source>
        <translation>无法为对话创建文件夹 %1；请检查它是否可写。</translation>
    </message>
    <message>
        <source>Qt&apos;s SQLite driver is missing; install libqt6sql6-sqlite.</source>
        <translation>缺少 Qt 的 SQLite 驱动；请安装 libqt6sql6-sqlite。</translation>
    </message>
    <message>
        <source>Cannot open the conversations database %1</source>
        <translation>无法打开对话数据库 %1</translation>
    </message>
    <message>
        <source>Cannot write to %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>The conversations database %1 cannot be used</source>
        <translation>对话数据库 %1 无法使用</translation>
    </message>
    <message>
        <source>Cannot save a new conversation in %1</source>
        <translation>无法在 %1 中保存新对话</translation>
    </message>
    <message>
        <source>Cannot rename the conversation in %1</source>
        <translation>无法在 %1 中重命名对话</translation>
    </message>
    <message>
        <source>Cannot delete the conversation from %1</source>
        <translation>无法从 %1 中删除对话</translation>
    </message>
    <message>
        <source>Cannot read the conversations from %1</source>
        <translation>无法从 %1 读取对话</translation>
    </message>
    <message>
        <source>Cannot read the messages from %1</source>
        <translation>无法从 %1 读取消息</translation>
    </message>
    <message>
        <source>Cannot save the message in %1</source>
        <translation>无法在 %1 中保存消息</translation>
    </message>
    <message>
        <source>The conversation %1 no longer exists in %2</source>
        <translation>对话 %1 已不在 %2 中</translation>
    </message>
    <message>
        <source>Cannot delete the messages from %1</source>
        <translation>无法从 %1 中删除消息</translation>
    </message>
    <message>
        <source>Cannot save the file hash in %1</source>
        <translation>无法在 %1 中保存文件哈希</translation>
    </message>
    <message>
        <source>The conversations in %1 were saved by a newer version of ImageBind-LLM (database version %2; this one knows up to %3), so they are shown read-only and new chats are not saved; update the app to keep writing to them.</source>
        <translation>%1 中的对话由更新版本的 ImageBind-LLM 保存（数据库版本 %2；本版本最高支持 %3），因此只读显示，新对话不会被保存；请更新应用以继续保存。</translation>
    </message>
    <message>
        <source>The conversations database %1 cannot be read</source>
        <translation>无法读取对话数据库 %1</translation>
    </message>
    <message>
        <source>The conversations database %1 is damaged</source>
        <translation>对话数据库 %1 已损坏</translation>
    </message>
    <message>
        <source>The conversations database %1 is damaged and could not be moved aside; move it elsewhere yourself and start the app again.</source>
        <translation>对话数据库 %1 已损坏且无法移开；请手动把它移到别处，然后重新启动应用。</translation>
    </message>
    <message>
        <source>The conversations database %1 was damaged; it is kept as %2 and a new one was started.</source>
        <translation>对话数据库 %1 已损坏；它已保留为 %2，并已新建一个数据库。</translation>
    </message>
    <message>
        <source>Cannot save the system prompt in %1</source>
        <translation>无法在 %1 中保存系统提示词</translation>
    </message>
</context>
<context>
    <name>ModalityName</name>
    <message>
        <source>image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <source>point cloud</source>
        <translation>点云</translation>
    </message>
    <message>
        <source>depth map</source>
        <translation>深度图</translation>
    </message>
    <message>
        <source>thermal image</source>
        <translation>热成像</translation>
    </message>
    <message>
        <source>IMU recording</source>
        <translation>IMU 记录</translation>
    </message>
    <message>
        <source>image with depth map</source>
        <translation>带深度图的图像</translation>
    </message>
    <message>
        <source>image with normal map</source>
        <translation>带法线图的图像</translation>
    </message>
    <message>
        <source>fMRI scan</source>
        <translation>fMRI 扫描</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>OneLLM reads a depth map only with its photo: drop both together, or choose &quot;image with depth map&quot;.</source>
        <translation>OneLLM 只能读取与照片配对的深度图：请把两者一起拖入，或选择“带深度图的图像”。</translation>
    </message>
    <message>
        <source>OneLLM cannot read thermal images; ImageBind-LLM can.</source>
        <translation>OneLLM 无法读取热成像；ImageBind-LLM 可以。</translation>
    </message>
    <message>
        <source>Image pairs with depth or normal maps are a OneLLM input; load a OneLLM model to ask about them.</source>
        <translation>带深度图或法线图的图像对是 OneLLM 的输入；请加载 OneLLM 模型后再提问。</translation>
    </message>
    <message>
        <source>fMRI scans are a OneLLM input; load a OneLLM model to ask about them.</source>
        <translation>fMRI 扫描是 OneLLM 的输入；请加载 OneLLM 模型后再提问。</translation>
    </message>
</context>
<context>
    <name>ModelCheckMessages</name>
    <message>
        <source>%1 does not exist; choose %2.</source>
        <translation>%1 不存在；请选择%2。</translation>
    </message>
    <message>
        <source>%1 is a folder; choose %2 inside it.</source>
        <translation>%1 是一个文件夹；请选择其中的%2。</translation>
    </message>
    <message>
        <source>%1 cannot be read; check its permissions.</source>
        <translation>无法读取 %1；请检查其权限。</translation>
    </message>
    <message>
        <source>%1 is empty; download it again.</source>
        <translation>%1 是空文件；请重新下载。</translation>
    </message>
    <message>
        <source>the LLaMA-7B folder (it holds params.json and consolidated.00.pth)</source>
        <translation>LLaMA-7B 文件夹（其中包含 params.json 和 consolidated.00.pth）</translation>
    </message>
    <message>
        <source>Choose %1.</source>
        <translation>请选择%1。</translation>
    </message>
    <message>
        <source>%1 is a file; choose the folder that holds params.json and consolidated.00.pth.</source>
        <translation>%1 是一个文件；请选择包含 params.json 和 consolidated.00.pth 的文件夹。</translation>
    </message>
    <message>
        <source>%1 has no params.json, but %2 has; choose that folder.</source>
        <translation>%1 中没有 params.json，但 %2 中有；请选择那个文件夹。</translation>
    </message>
    <message>
        <source>%1 has no params.json; choose %2.</source>
        <translation>%1 中没有 params.json；请选择%2。</translation>
    </message>
    <message>
        <source>%1 is not valid JSON (%2); download it again.</source>
        <translation>%1 不是有效的 JSON（%2）；请重新下载。</translation>
    </message>
    <message>
        <source>%1 has no dim or n_layers; it is not a LLaMA params.json.</source>
        <translation>%1 缺少 dim 或 n_layers；它不是 LLaMA 的 params.json。</translation>
    </message>
    <message>
        <source>a model with dim %1 and %2 layers</source>
        <translation>一个 dim 为 %1、共 %2 层的模型</translation>
    </message>
    <message>
        <source>a %1 params.json</source>
        <translation>%1 的 params.json</translation>
    </message>
    <message>
        <source>This is %1; ImageBind-LLM needs LLaMA-7B (dim 4096, 32 layers).</source>
        <translation>这是%1；ImageBind-LLM 需要 LLaMA-7B（dim 4096，32 层）。</translation>
    </message>
    <message>
        <source>%1 has params.json but no consolidated.00.pth; download the weights into it.</source>
        <translation>%1 中有 params.json 但没有 consolidated.00.pth；请把权重下载到这里。</translation>
    </message>
    <message>
        <source>%1 is not a PyTorch checkpoint (a zip written by torch.save); download it again.</source>
        <translation>%1 不是 PyTorch 检查点（torch.save 写出的 zip）；请重新下载。</translation>
    </message>
    <message>
        <source>the demo model (random weights)</source>
        <translation>演示模型（随机权重）</translation>
    </message>
    <message>
        <source>%1 is not a PyTorch checkpoint (a zip written by torch.save); choose %2.</source>
        <translation>%1 不是 PyTorch 检查点（torch.save 写出的 zip）；请选择%2。</translation>
    </message>
    <message>
        <source>LLaMA&apos;s tokenizer.model</source>
        <translation>LLaMA 的 tokenizer.model</translation>
    </message>
    <message>
        <source>Choose %1 (it sits next to the 7B folder in the LLaMA download).</source>
        <translation>请选择%1（在 LLaMA 下载中，它位于 7B 文件夹旁边）。</translation>
    </message>
    <message>
        <source>%1 is not a SentencePiece model; choose %2.</source>
        <translation>%1 不是 SentencePiece 模型；请选择%2。</translation>
    </message>
    <message>
        <source>the ImageBind-LLM adapter checkpoint (7B.pth)</source>
        <translation>ImageBind-LLM 适配器检查点（7B.pth）</translation>
    </message>
    <message>
        <source>the ImageBind checkpoint (imagebind_w3D.pth)</source>
        <translation>ImageBind 检查点（imagebind_w3D.pth）</translation>
    </message>
    <message>
        <source>the visual cache (knn.index)</source>
        <translation>视觉缓存（knn.index）</translation>
    </message>
</context>
<context>
    <name>PointCloudNote</name>
    <message>
        <source>too few points to encode (%1)</source>
        <translation>点太少，无法编码（%1 个）</translation>
    </message>
    <message>
        <source>all %1 points used</source>
        <translation>使用全部 %1 个点</translation>
    </message>
    <message>
        <source>%1 of %2 points used</source>
        <translation>使用 %2 个点中的 %1 个</translation>
    </message>
    <message>
        <source>The 3D encoder needs at least %1 points with finite coordinates; this cloud has %2, so it cannot be asked about.</source>
        <translation>3D 编码器至少需要 %1 个坐标为有限值的点；此点云只有 %2 个，因此无法就它提问。</translation>
    </message>
    <message>
        <source>Before encoding, the cloud is centred and scaled to the unit sphere, and farthest-point sampling keeps %1 of its %2 points (the number Point-BERT takes).</source>
        <translation>编码前，点云会被居中并缩放到单位球内，再通过最远点采样从 %2 个点中保留 %1 个（Point-BERT 接受的点数）。</translation>
    </message>
    <message>
        <source>Before encoding, the cloud is centred and scaled to the unit sphere; all %1 of its points are used.</source>
        <translation>编码前，点云会被居中并缩放到单位球内；全部 %1 个点都会使用。</translation>
    </message>
    <message>
        <source>Before encoding, %1 points with NaN or infinite coordinates are dropped, the cloud is centred and scaled to the unit sphere, and farthest-point sampling keeps %2 of the remaining %3 points.</source>
        <translation>编码前，会丢弃 %1 个坐标为 NaN 或无穷大的点，将点云居中并缩放到单位球内，再通过最远点采样从剩余的 %3 个点中保留 %2 个。</translation>
    </message>
    <message>
        <source>Before encoding, %1 points with NaN or infinite coordinates are dropped and the cloud is centred and scaled to the unit sphere; %2 of its %3 points are used.</source>
        <translation>编码前，会丢弃 %1 个坐标为 NaN 或无穷大的点，并将点云居中并缩放到单位球内；使用 %3 个点中的 %2 个。</translation>
    </message>
</context>
<context>
    <name>PreviewMessages</name>
    <message>
        <source>%1 is too large to preview with the memory available.</source>
        <translation>%1 太大，可用内存不足以预览。</translation>
    </message>
    <message>
        <source>%1 holds an array of another shape than this input needs.</source>
        <translation>%1 中数组的形状不符合这种输入的要求。</translation>
    </message>
</context>
<context>
    <name>SystemPromptPresets</name>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Answer briefly</source>
        <translation>简短回答</translation>
    </message>
    <message>
        <source>Answer in one or two short sentences.</source>
        <translation>用一两句简短的话回答。</translation>
    </message>
    <message>
        <source>Describe in detail</source>
        <translation>详细描述</translation>
    </message>
    <message>
        <source>Describe in detail what the attached files show or sound like: the objects, their colours and shapes, where they are, and any sounds.</source>
        <translation>详细描述所附文件呈现的画面或声音：有哪些物体、它们的颜色和形状、所在位置，以及任何声音。</translation>
    </message>
    <message>
        <source>Answer in Chinese</source>
        <translation>用中文回答</translation>
    </message>
    <message>
        <source>Answer in Simplified Chinese.</source>
        <translation>请用简体中文回答。</translation>
    </message>
    <message>
        <source>Answer in English</source>
        <translation>用英文回答</translation>
    </message>
    <message>
        <source>Answer in English.</source>
        <translation>请用英文回答。</translation>
    </message>
</context>
<context>
    <name>WeightsFormat</name>
    <message>
        <source>Needs %1 GiB of memory with ImageBind (measured).</source>
        <translation>连同 ImageBind 需要 %1 GiB 内存（实测）。</translation>
    </message>
    <message>
        <source>Needs about %1 GiB of memory with ImageBind (estimated from measurements).</source>
        <translation>连同 ImageBind 约需 %1 GiB 内存（由实测数据推算）。</translation>
    </message>
    <message>
        <source>The exact weights: the reference&apos;s answers, the slowest decoding.</source>
        <translation>精确权重：与参考实现的回答一致，解码最慢。</translation>
    </message>
    <message>
        <source>Decodes about %1x as fast as bf16; %2% of its tokens are the ones bf16 would choose. The first load writes a converted copy next to the checkpoint.</source>
        <translation>解码速度约为 bf16 的 %1 倍；%2% 的词元与 bf16 的选择相同。首次加载时会在检查点旁写入转换后的副本。</translation>
    </message>
</context>
<context>
    <name>ibllm::app::ChatSession</name>
    <message>
        <source>An answer is still being written; stop it first.</source>
        <translation>回答仍在生成中；请先停止。</translation>
    </message>
    <message>
        <source>The model is not loaded yet.</source>
        <translation>模型尚未加载。</translation>
    </message>
    <message>
        <source>The question is empty.</source>
        <translation>问题为空。</translation>
    </message>
    <message>
        <source>The conversation could not be saved.</source>
        <translation>无法保存该对话。</translation>
    </message>
    <message>
        <source>The question could not be saved.</source>
        <translation>无法保存该问题。</translation>
    </message>
    <message>
        <source>That question is no longer in this conversation.</source>
        <translation>该问题已不在此对话中。</translation>
    </message>
    <message>
        <source>The old answer could not be removed.</source>
        <translation>无法移除旧的回答。</translation>
    </message>
    <message>
        <source>The old question could not be replaced.</source>
        <translation>无法替换旧的问题。</translation>
    </message>
    <message>
        <source>Stopped before the model wrote anything.</source>
        <translation>在模型写出任何内容之前就已停止。</translation>
    </message>
    <message>
        <source>The answer could not be saved.</source>
        <translation>无法保存该回答。</translation>
    </message>
    <message>
        <source>The system prompt could not be saved.</source>
        <translation>系统提示词未能保存。</translation>
    </message>
</context>
<context>
    <name>ibllm::app::EngineWorker</name>
    <message>
        <source>Loading was cancelled.</source>
        <translation>已取消加载。</translation>
    </message>
    <message>
        <source>There is not enough memory to load this model; close other programs or choose bf16 precision.</source>
        <translation>内存不足，无法加载此模型；请关闭其他程序或选择 bf16 精度。</translation>
    </message>
    <message>
        <source>Loading failed with an internal error: %1</source>
        <translation>加载时发生内部错误：%1</translation>
    </message>
    <message>
        <source>Cannot create the folder %1 for the demo model; check that it is writable.</source>
        <translation>无法为演示模型创建文件夹 %1；请检查它是否可写。</translation>
    </message>
    <message>
        <source>The engine ran out of memory; lower the max tokens or close other programs.</source>
        <translation>推理引擎内存不足；请降低最大词元数或关闭其他程序。</translation>
    </message>
    <message>
        <source>The request was cancelled.</source>
        <translation>请求已取消。</translation>
    </message>
    <message>
        <source>The engine ran out of memory while embedding; send fewer or smaller files.</source>
        <translation>计算嵌入时推理引擎内存不足；请发送更少或更小的文件。</translation>
    </message>
    <message>
        <source>The engine failed with an internal error: %1</source>
        <translation>推理引擎发生内部错误：%1</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::AttachmentBar</name>
    <message>
        <source>Everything ImageBind reads (%1)</source>
        <translation>ImageBind 支持的所有文件（%1）</translation>
    </message>
    <message>
        <source>Images (%1)</source>
        <translation>图像（%1）</translation>
    </message>
    <message>
        <source>Audio (%1)</source>
        <translation>音频（%1）</translation>
    </message>
    <message>
        <source>Video (%1)</source>
        <translation>视频（%1）</translation>
    </message>
    <message>
        <source>Point clouds and embeddings (%1)</source>
        <translation>点云和嵌入向量（%1）</translation>
    </message>
    <message>
        <source>IMU recordings (%1)</source>
        <translation>IMU 记录（%1）</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 不存在。</translation>
    </message>
    <message>
        <source>%1 is a folder; attach the files inside it.</source>
        <translation>%1 是一个文件夹；请附加其中的文件。</translation>
    </message>
    <message>
        <source>%1: unknown file type. Attach images (jpg, png, …), audio (wav, mp3, …), video (mp4, mkv, …), point clouds (ply, pcd, xyz, …), embeddings (npy) or IMU recordings (csv).</source>
        <translation>%1：未知的文件类型。可以附加图像（jpg、png 等）、音频（wav、mp3 等）、视频（mp4、mkv 等）、点云（ply、pcd、xyz 等）、嵌入向量（npy）或 IMU 记录（csv）。</translation>
    </message>
    <message>
        <source>%1 is attached already.</source>
        <translation>%1 已经附加过了。</translation>
    </message>
    <message>
        <source>Use as the depth map of %1</source>
        <translation>用作 %1 的深度图</translation>
    </message>
    <message>
        <source>Use as the normal map of %1</source>
        <translation>用作 %1 的法线图</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::AttachmentChip</name>
    <message>
        <source>What this file holds; depth and thermal maps look like photos, so choose them here</source>
        <translation>文件内容的类型；深度图和热成像看起来和照片一样，请在这里选择</translation>
    </message>
    <message>
        <source>Fusion weight: how much this file counts when several are combined (0 leaves it out)</source>
        <translation>融合权重：多个文件组合时此文件所占的比重（0 表示不使用）</translation>
    </message>
    <message>
        <source>Remove this attachment</source>
        <translation>移除此附件</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>移除 %1</translation>
    </message>
    <message>
        <source>A .npy holding one vector is used as a precomputed ImageBind embedding.</source>
        <translation>只含一个向量的 .npy 文件会被当作预先计算的 ImageBind 嵌入向量。</translation>
    </message>
    <message>
        <source>weight %1</source>
        <translation>权重 %1</translation>
    </message>
    <message>
        <source>left out</source>
        <translation>不使用</translation>
    </message>
    <message>
        <source>OneLLM reads one attachment per question; remove the others before asking.</source>
        <translation>OneLLM 每个问题只读取一个附件；提问前请移除其他附件。</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::AttachmentPreview</name>
    <message>
        <source>This file cannot be previewed.</source>
        <translation>无法预览此文件。</translation>
    </message>
    <message>
        <source>Reading the video…</source>
        <translation>正在读取视频…</translation>
    </message>
    <message>
        <source>Reading the sound…</source>
        <translation>正在读取音频…</translation>
    </message>
    <message>
        <source>Reading the point cloud…</source>
        <translation>正在读取点云…</translation>
    </message>
    <message>
        <source>%1 s, %2 × %3 pixels</source>
        <translation>%1 秒，%2 × %3 像素</translation>
    </message>
    <message>
        <source>, %1 frames per second</source>
        <translation>，每秒 %1 帧</translation>
    </message>
    <message numerus="yes">
        <source>%1 s of sound, %2 Hz, %n channel(s)</source>
        <translation>
            <numerusform>%1 秒音频，%2 Hz，%n 个声道</numerusform>
        </translation>
    </message>
    <message>
        <source>Reading the recording…</source>
        <translation>正在读取记录…</translation>
    </message>
    <message numerus="yes">
        <source>%1 voxels, averaged over %n repetition(s)</source>
        <translation>
            <numerusform>%1 个体素，%n 次重复的平均</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 samples of accelerometer and gyroscope</source>
        <translation>%1 个加速度计和陀螺仪采样</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::AudioPlayButton</name>
    <message>
        <source>No sound to play.</source>
        <translation>没有可播放的声音。</translation>
    </message>
    <message>
        <source>Playback is off: no sound output device was found.</source>
        <translation>无法播放：未找到声音输出设备。</translation>
    </message>
    <message>
        <source>Playback is off: Qt Multimedia has no working media backend on this system.</source>
        <translation>无法播放：此系统上的 Qt Multimedia 没有可用的媒体后端。</translation>
    </message>
    <message>
        <source>Qt Multimedia cannot play this file.</source>
        <translation>Qt Multimedia 无法播放此文件。</translation>
    </message>
    <message>
        <source>Qt Multimedia cannot play this file: %1</source>
        <translation>Qt Multimedia 无法播放此文件：%1</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::ChatView</name>
    <message>
        <source>Ask anything, or about your images, sounds, videos and 3D scans.
Drop files on the window, paste them, or press Ctrl+O to attach them.</source>
        <translation>可以问任何问题，也可以询问你的图像、声音、视频和三维扫描。
把文件拖到窗口中、粘贴，或按 Ctrl+O 来附加文件。</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::Composer</name>
    <message>
        <source>Ask a question, or attach files and ask about them</source>
        <translation>输入问题，或附加文件后就文件提问</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Attach images, audio, video or point clouds (Ctrl+O)</source>
        <translation>附加图像、音频、视频或点云（Ctrl+O）</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <source>Send the question (Enter)</source>
        <translation>发送问题（Enter）</translation>
    </message>
    <message>
        <source>The model is not loaded yet</source>
        <translation>模型尚未加载</translation>
    </message>
    <message>
        <source>Enter sends · Shift+Enter starts a new line · Up recalls earlier questions</source>
        <translation>Enter 发送 · Shift+Enter 换行 · 上方向键调出之前的问题</translation>
    </message>
    <message>
        <source>Cannot save the pasted image in %1; check that the folder is writable.</source>
        <translation>无法把粘贴的图像保存到 %1；请检查该文件夹是否可写。</translation>
    </message>
    <message>
        <source>Cannot save the pasted image as %1.</source>
        <translation>无法把粘贴的图像保存为 %1。</translation>
    </message>
    <message>
        <source>The model is not loaded yet; your question stays here until it is.</source>
        <translation>模型尚未加载；你的问题会保留在这里，直到加载完成。</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::ConversationList</name>
    <message>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete “%1” and all its messages? This cannot be undone.</source>
        <translation>删除“%1”及其所有消息？此操作无法撤销。</translation>
    </message>
    <message>
        <source>There is nothing to export yet: ask a question first.</source>
        <translation>还没有可以导出的内容：请先提一个问题。</translation>
    </message>
    <message>
        <source>Export as Markdown</source>
        <translation>导出为 Markdown</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown（*.md）</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::ConversationSidebar</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Rename (F2)</source>
        <translation>重命名（F2）</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>%1
Last message: %2</source>
        <translation>%1
最后一条消息：%2</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::MainMenus</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Attach files…</source>
        <translation>附加文件(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Export chat as Markdown…</source>
        <translation>将对话导出为 Markdown(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Write a question</source>
        <translation>输入问题(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Regenerate the last answer</source>
        <translation>重新生成最后的回答(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Choose model files…</source>
        <translation>选择模型文件(&amp;C)…</translation>
    </message>
    <message>
        <source>Use the &amp;demo model</source>
        <translation>使用演示模型(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Conversations</source>
        <translation>对话列表(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Settings panel</source>
        <translation>设置面板(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About ImageBind-LLM</source>
        <translation>关于 ImageBind-LLM(&amp;A)</translation>
    </message>
    <message>
        <source>About ImageBind-LLM</source>
        <translation>关于 ImageBind-LLM</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;ImageBind-LLM&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;A desktop assistant that answers questions about images, sounds, videos and 3D point clouds with LLaMA-7B, ImageBind and the ImageBind-LLM adapter (Han et al., 2023), running locally on this computer.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;ImageBind-LLM&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;一个桌面助手，借助 LLaMA-7B、ImageBind 和 ImageBind-LLM 适配器（Han 等，2023）回答关于图像、声音、视频和三维点云的问题，完全在本机运行。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::MainWindow</name>
    <message>
        <source>Conversations cannot be saved: %1</source>
        <translation>无法保存对话：%1</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>The model is not loaded yet; your question stays here until it is.</source>
        <translation>模型尚未加载；你的问题会保留在这里，直到加载完成。</translation>
    </message>
    <message>
        <source>The model is not loaded yet.</source>
        <translation>模型尚未加载。</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::MessageWidget</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>ImageBind-LLM</source>
        <translation>ImageBind-LLM</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop this answer (Esc)</source>
        <translation>停止这个回答（Esc）</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the question</source>
        <translation>复制问题</translation>
    </message>
    <message>
        <source>Copy the answer as Markdown</source>
        <translation>以 Markdown 格式复制回答</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Ask again for a new answer to the same question</source>
        <translation>对同一个问题重新生成回答</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Change this question and send it again; the messages after it are replaced</source>
        <translation>修改这个问题并重新发送；其后的消息将被替换</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>weight %1</source>
        <translation>权重 %1</translation>
    </message>
    <message>
        <source>moved or deleted</source>
        <translation>已移动或删除</translation>
    </message>
    <message>
        <source>Attached:</source>
        <translation>附件：</translation>
    </message>
    <message>
        <source>Reading the prompt…</source>
        <translation>正在读取提示…</translation>
    </message>
    <message>
        <source>Generating… %1 tokens · %2 tokens/s</source>
        <translation>正在生成… %1 个词元 · %2 词元/秒</translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>%1 个词元</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>context window full</source>
        <translation>上下文窗口已满</translation>
    </message>
    <message>
        <source>%1 earliest turns left out to fit the context</source>
        <translation>为适应上下文省略了最早的 %1 轮对话</translation>
    </message>
    <message>
        <source>Prompt: %1 tokens (%2 reused from the previous answer)
Encoding attachments: %3 ms
Reading the prompt: %4 ms
Generating: %5 ms</source>
        <translation>提示：%1 个词元（其中 %2 个沿用自上一个回答）
编码附件：%3 毫秒
读取提示：%4 毫秒
生成：%5 毫秒</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::ModelDialog</name>
    <message>
        <source>Model files</source>
        <translation>模型文件</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>分词器</translation>
    </message>
    <message>
        <source>Adapter</source>
        <translation>适配器</translation>
    </message>
    <message>
        <source>ImageBind-LLM adapter, e.g. 7B.pth</source>
        <translation>ImageBind-LLM 适配器，例如 7B.pth</translation>
    </message>
    <message>
        <source>ImageBind (optional)</source>
        <translation>ImageBind（可选）</translation>
    </message>
    <message>
        <source>Visual cache (optional)</source>
        <translation>视觉缓存（可选）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>bf16 halves the memory of fp32 and is faster on recent CPUs; automatic picks bf16 for half-precision checkpoints</source>
        <translation>bf16 的内存占用是 fp32 的一半，在较新的 CPU 上也更快；“自动”会为半精度检查点选择 bf16</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程</translation>
    </message>
    <message>
        <source>all cores</source>
        <translation>全部核心</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 个词元</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>Use the demo model</source>
        <translation>使用演示模型</translation>
    </message>
    <message>
        <source>A tiny model with random weights, for trying the app without the real files</source>
        <translation>一个随机权重的微型模型，无需真实文件即可试用本应用</translation>
    </message>
    <message>
        <source>Tokenizer (*.model);;All files (*)</source>
        <translation>分词器（*.model）;;所有文件（*）</translation>
    </message>
    <message>
        <source>FAISS index (*.index);;All files (*)</source>
        <translation>FAISS 索引（*.index）;;所有文件（*）</translation>
    </message>
    <message>
        <source>PyTorch checkpoints (*.pth *.pt);;All files (*)</source>
        <translation>PyTorch 检查点（*.pth *.pt）;;所有文件（*）</translation>
    </message>
    <message>
        <source>Ready to load %1.</source>
        <translation>可以加载%1。</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>How the language model&apos;s weights are kept in memory: bf16 is exact; int8 and q4 take less memory and decode faster, at a small cost to the answers</source>
        <translation>语言模型权重在内存中的存储方式：bf16 是精确的；int8 和 q4 占用更少内存、解码更快，但回答质量略有损失</translation>
    </message>
    <message>
        <source>ImageBind-LLM answers with LLaMA-7B, its tokenizer and the ImageBind-LLM adapter. ImageBind (imagebind_w3D.pth) is needed to attach files, and knn.index enables the visual cache; both are optional. A OneLLM folder holds everything that model needs: choose it as the model folder. Nothing is copied: the files are read where they are.</source>
        <translation>ImageBind-LLM 使用 LLaMA-7B、它的分词器以及 ImageBind-LLM 适配器来回答。附加文件需要 ImageBind（imagebind_w3D.pth），knn.index 用于启用视觉缓存；这两者都是可选的。OneLLM 文件夹包含该模型所需的全部文件：把它选作模型文件夹即可。文件不会被复制，而是直接在原位置读取。</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>LLaMA-7B (params.json, consolidated.00.pth) or OneLLM (consolidated.00-of-01.pth)</source>
        <translation>LLaMA-7B（params.json、consolidated.00.pth）或 OneLLM（consolidated.00-of-01.pth）</translation>
    </message>
    <message>
        <source>Choose the model folder</source>
        <translation>选择模型文件夹</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::ModelStatusView</name>
    <message>
        <source>Preparing the demo model</source>
        <translation>正在准备演示模型</translation>
    </message>
    <message>
        <source>Loading the model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop loading (Esc); the previous model stays loaded</source>
        <translation>停止加载（Esc）；之前的模型会保持加载</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Demo model (random answers)</source>
        <translation>演示模型（随机回答）</translation>
    </message>
    <message>
        <source>%1 · %2%3</source>
        <translation>%1 · %2%3</translation>
    </message>
    <message>
        <source> · visual cache</source>
        <translation> · 视觉缓存</translation>
    </message>
    <message>
        <source>Demo model: its weights are random, so its answers are random text. For real answers, choose the LLaMA-7B folder (params.json, consolidated.00.pth), tokenizer.model and the ImageBind-LLM adapter 7B.pth under Model › Choose model files.</source>
        <translation>演示模型：它的权重是随机的，所以回答是随机文本。要得到真正的回答，请在“模型 › 选择模型文件”中选择 LLaMA-7B 文件夹（params.json、consolidated.00.pth）、tokenizer.model 以及 ImageBind-LLM 适配器 7B.pth。</translation>
    </message>
    <message>
        <source>Choose model files…</source>
        <translation>选择模型文件…</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1</source>
        <translation>无法加载模型：%1</translation>
    </message>
    <message>
        <source>No model is loaded. Choose the model files, or use the demo model from the Model menu.</source>
        <translation>尚未加载模型。请选择模型文件，或在“模型”菜单中使用演示模型。</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::NoticeBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::PointCloudDock</name>
    <message>
        <source>Point cloud</source>
        <translation>点云</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::PointCloudPanel</name>
    <message>
        <source>Reading %1…</source>
        <translation>正在读取 %1…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>重置视图</translation>
    </message>
    <message>
        <source>Left drag orbits, right or middle drag pans, the wheel zooms.</source>
        <translation>左键拖动旋转，右键或中键拖动平移，滚轮缩放。</translation>
    </message>
    <message>
        <source>Point size</source>
        <translation>点大小</translation>
    </message>
    <message>
        <source>Bounding box</source>
        <translation>包围盒</translation>
    </message>
    <message>
        <source>Ask about this cloud</source>
        <translation>询问此点云</translation>
    </message>
    <message>
        <source>Colour by height</source>
        <translation>按高度着色</translation>
    </message>
    <message>
        <source>Colours from the file</source>
        <translation>使用文件中的颜色</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::PointCloudView</name>
    <message>
        <source>%1 is too large to show with the memory available.</source>
        <translation>%1 太大，可用内存不足以显示。</translation>
    </message>
    <message>
        <source>showing %1 of %2 points</source>
        <translation>显示 %2 个点中的 %1 个</translation>
    </message>
    <message numerus="yes">
        <source>%Ln point(s)</source>
        <translation>
            <numerusform>%Ln 个点</numerusform>
        </translation>
    </message>
    <message>
        <source>The 3D view cannot draw: %1</source>
        <translation>3D 视图无法绘制：%1</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::RecordingControl</name>
    <message>
        <source>The recording cannot be saved: the folder %1 cannot be created.</source>
        <translation>无法保存录音：无法创建文件夹 %1。</translation>
    </message>
    <message>
        <source>The recording cannot be saved to %1; check the disk space and permissions.</source>
        <translation>无法将录音保存到 %1；请检查磁盘空间和权限。</translation>
    </message>
    <message>
        <source>The microphone stopped; check that it is still connected.</source>
        <translation>麦克风已停止；请检查它是否仍然连接。</translation>
    </message>
    <message>
        <source>Stop recording and attach it</source>
        <translation>停止录音并附加</translation>
    </message>
    <message>
        <source>Record from the microphone</source>
        <translation>用麦克风录音</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>录音</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Send the last %1 seconds of sound with each question</source>
        <translation>每个问题附带最近 %1 秒的声音</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::SettingsPanel</name>
    <message>
        <source>Answer</source>
        <translation>回答</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Higher is more varied, 0 always picks the likeliest word (the reference uses 0.1)</source>
        <translation>越高越多样，0 总是选择最可能的词（参考实现使用 0.1）</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample only from the likeliest words that together reach this probability (0.75 in the reference)</source>
        <translation>只从累计概率达到此值的最可能的词中采样（参考实现为 0.75）</translation>
    </message>
    <message>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <source>The longest answer, in tokens (a token is about three quarters of an English word)</source>
        <translation>回答的最大长度，以词元计（一个词元约为四分之三个英文单词）</translation>
    </message>
    <message>
        <source>Answer language</source>
        <translation>回答语言</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Automatic answers in the language of the question</source>
        <translation>“自动”会使用提问所用的语言回答</translation>
    </message>
    <message>
        <source>Visual cache</source>
        <translation>视觉缓存</translation>
    </message>
    <message>
        <source>Mixes the attachments&apos; embedding with similar images from knn.index before answering; this reduces hallucination on unusual inputs</source>
        <translation>回答前将附件的嵌入向量与 knn.index 中的相似图像混合；这能减少对少见输入的幻觉</translation>
    </message>
    <message>
        <source>Neighbours (k)</source>
        <translation>近邻数（k）</translation>
    </message>
    <message>
        <source>How many similar cached images to retrieve (default 10)</source>
        <translation>检索多少张相似的缓存图像（默认 10）</translation>
    </message>
    <message>
        <source>Sharpness (t)</source>
        <translation>锐度（t）</translation>
    </message>
    <message>
        <source>Softmax temperature of the similarity weights (default 20)</source>
        <translation>相似度权重的 softmax 温度（默认 20）</translation>
    </message>
    <message>
        <source>Mix (w)</source>
        <translation>混合比例（w）</translation>
    </message>
    <message>
        <source>How much of the retrieved mean replaces the input embedding (default 0.5)</source>
        <translation>检索结果的均值替换输入嵌入向量的比例（默认 0.5）</translation>
    </message>
    <message>
        <source>Reset to defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Choose model files…</source>
        <translation>选择模型文件…</translation>
    </message>
    <message>
        <source>Use the demo model</source>
        <translation>使用演示模型</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>界面</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>System (%1)</source>
        <translation>跟随系统（%1）</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <source>Demo model: tiny, random weights (%1 layers, dim %2). Its answers are random text.</source>
        <translation>演示模型：微型、随机权重（%1 层，dim %2）。它的回答是随机文本。</translation>
    </message>
    <message>
        <source>%1, %2 layers, %3 precision, context %4 tokens</source>
        <translation>%1，%2 层，%3 精度，上下文 %4 个词元</translation>
    </message>
    <message>
        <source>Visual cache: %1 images</source>
        <translation>视觉缓存：%1 张图像</translation>
    </message>
    <message>
        <source>No knn.index is loaded; choose one in the model files to use the cache.</source>
        <translation>尚未加载 knn.index；请在模型文件中选择它以使用缓存。</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <source>Default input</source>
        <translation>默认输入</translation>
    </message>
    <message>
        <source>Find microphones</source>
        <translation>查找麦克风</translation>
    </message>
    <message>
        <source>No microphone was found; connect one and press &quot;Find microphones&quot; again.</source>
        <translation>未找到麦克风；请连接一个，然后再次点击“查找麦克风”。</translation>
    </message>
    <message>
        <source>Serve this model to other programs on localhost</source>
        <translation>在本机为其他程序提供此模型服务</translation>
    </message>
    <message>
        <source>An OpenAI-compatible server on this computer only: editors, scripts and chat apps that speak OpenAI&apos;s API can use this model through the same engine and queue as this window</source>
        <translation>仅限本机的 OpenAI 兼容服务器：支持 OpenAI API 的编辑器、脚本和聊天应用可以通过与本窗口相同的推理引擎和队列使用此模型</translation>
    </message>
    <message>
        <source>Serving at %1 (OpenAI API)</source>
        <translation>服务地址：%1（OpenAI API）</translation>
    </message>
</context>
<context>
    <name>ibllm::ui::SystemPromptEditor</name>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Standing instructions for this conversation, kept with it</source>
        <translation>本对话的固定指示，随对话一起保存</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>For example: Answer briefly.</source>
        <translation>例如：请简短回答。</translation>
    </message>
    <message>
        <source>Given to the model as the context of the conversation&apos;s first question (the &quot;Input&quot; of its prompt); a new chat starts with the one before it.</source>
        <translation>作为对话第一个问题的上下文交给模型（即提示中的“Input”部分）；新对话沿用之前的系统提示词。</translation>
    </message>
</context>
</TS>
